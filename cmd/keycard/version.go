package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

const versionUsage = `Usage: keycard version

Print the version of the keycard module this program was built from, the Go
version that built it, and the platform, e.g.

  keycard v0.1.0 go1.26.8 linux/amd64

"(devel)" stands for a build from a working tree (go build, go run .) rather
than from a released version (go install ...@v0.1.0, go run ...@latest).
%s
Exit status: 0 success, 2 usage error.
`

// modulePath is the module this command belongs to.
const modulePath = "github.com/keycard-go/keycard"

func runVersion(p *proc, args []string) int {
	fs := newFlagSet("version", versionUsage)
	if code, ok := p.parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return p.usageError(fs, "unexpected argument %q", fs.Arg(0))
	}
	readBuildInfo := p.buildInfo
	if readBuildInfo == nil {
		readBuildInfo = debug.ReadBuildInfo
	}
	version, goVersion, rev := "(unknown)", runtime.Version(), ""
	if info, ok := readBuildInfo(); ok {
		version, goVersion, rev = moduleVersion(info), info.GoVersion, vcsRevision(info)
	}
	line := fmt.Sprintf("keycard %s %s %s/%s", version, goVersion, runtime.GOOS, runtime.GOARCH)
	if rev != "" {
		line += " (" + rev + ")"
	}
	fmt.Fprintln(p.stdout, line)
	return exitOK
}

// moduleVersion is the version of the keycard module in info: the main module's when keycard
// was built as a command of its own, or the dependency's when another module builds it.
func moduleVersion(info *debug.BuildInfo) string {
	m := &info.Main
	if m.Path != modulePath {
		m = nil
		for _, d := range info.Deps {
			if d.Path == modulePath {
				m = d
				if d.Replace != nil {
					m = d.Replace
				}
			}
		}
	}
	if m == nil || m.Version == "" {
		return "(devel)"
	}
	return m.Version
}

// vcsRevision is the commit a build from a working tree was made from, with "+dirty" for
// uncommitted changes, when the go command recorded it (-buildvcs, the default in a git
// checkout).
func vcsRevision(info *debug.BuildInfo) string {
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return ""
	}
	return rev + dirty
}
