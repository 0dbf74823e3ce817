package main

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestVersion(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	for _, c := range []struct {
		name string
		info *debug.BuildInfo // nil: no build information
		want string
	}{
		{"go install ...@v0.1.0", &debug.BuildInfo{GoVersion: "go1.27.3", Main: debug.Module{Path: modulePath, Version: "v0.1.0"}},
			"keycard v0.1.0 go1.27.3 " + platform + "\n"},
		{"a working tree with VCS stamping", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: modulePath, Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}},
			"keycard (devel) go1.26.8 " + platform + " (0123456789ab+dirty)\n"},
		{"a pseudo-version", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: modulePath, Version: "v0.1.1-0.20261201120000-0123456789ab"}},
			"keycard v0.1.1-0.20261201120000-0123456789ab go1.26.8 " + platform + "\n"},
		{"built by another module", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "example.com/tools"},
			Deps: []*debug.Module{{Path: "github.com/rs/zerolog", Version: "v1.35.1"}, {Path: modulePath, Version: "v0.1.0"}}},
			"keycard v0.1.0 go1.26.8 " + platform + "\n"},
		{"a replaced dependency", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "example.com/tools"},
			Deps: []*debug.Module{{Path: modulePath, Version: "v0.1.0", Replace: &debug.Module{Path: "../keycard", Version: ""}}}},
			"keycard (devel) go1.26.8 " + platform + "\n"},
		{"no build information", nil, "keycard (unknown) " + runtime.Version() + " " + platform + "\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run([]string{"version"}, &proc{
				stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, now: time.Now,
				buildInfo: func() (*debug.BuildInfo, bool) { return c.info, c.info != nil },
			})
			if code != exitOK || stdout.String() != c.want || stderr.Len() != 0 {
				t.Errorf("got %d, %q, stderr %q; want 0, %q", code, stdout.String(), stderr.String(), c.want)
			}
		})
	}
	runCases(t, []cliCase{
		{name: "this binary", args: []string{"version"}, wantCode: exitOK, stdoutRE: `keycard \S+ go\S+ ` + platform + `( \(\S+\))?\n`},
		{name: "-h", args: []string{"version", "-h"}, wantCode: exitOK, wantStdout: []string{"Usage: keycard version", "(devel)"}},
		{name: "extra argument", args: []string{"version", "now"}, wantCode: exitUsage, wantStderr: []string{`unexpected argument "now"`}},
		{name: "in the usage", args: []string{"-h"}, wantCode: exitOK, wantStdout: []string{"version  print the keycard and Go versions"}},
	})
}
