// Command modproxy builds a Go module proxy directory on disk from a revision of the keycard
// repository, as the public proxy would serve it once the release tags exist, so that CI can
// install the release from a fresh module before anything is tagged (see RELEASING.md).
//
// Usage:
//
//	modproxy -version v0.1.0 -out DIR [-repo .] [-rev HEAD] [-skip example,bench,integrations,oidc/e2e] [-test-only FILE]
//
// It exports the revision with git archive (tracked files only, as the go command sees a tag),
// finds every module in it except those under a -skip directory, .ci and testdata, and writes for
// each the files GOPROXY=file://DIR expects: <module>/@v/list, VERSION.info, VERSION.mod and
// VERSION.zip, the zip made by golang.org/x/mod/zip. A nested module without a LICENSE gets the
// repository's, as the go command does when it zips a subdirectory of a repository.
//
// It refuses a released module that a consumer could not build: a replace directive (consumers
// ignore it), or a requirement on a module of this repository at a version it does not publish.
// It prints each published module path on stdout, one per line. With -test-only FILE it also
// writes the modules that the unreleased modules require directly and no released module
// requires: test and benchmark dependencies, which a consumer's build list must never hold.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("modproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var skip, testOnlyFile string
	fs.StringVar(&c.repo, "repo", ".", "the repository's `DIR`")
	fs.StringVar(&c.rev, "rev", "HEAD", "the git `REVISION` to publish")
	fs.StringVar(&c.version, "version", "", "the `VERSION` every published module gets, e.g. v0.1.0 (required)")
	fs.StringVar(&c.out, "out", "", "the proxy `DIR` to write (required; made if missing)")
	fs.StringVar(&skip, "skip", "example,bench,integrations,oidc/e2e", "comma-separated `DIRS` (relative to the repository) of modules that are not released")
	fs.StringVar(&testOnlyFile, "test-only", "", "write to `FILE` the modules that unreleased modules require directly and no released one requires")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if c.version == "" || c.out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "modproxy: -version and -out are required, and nothing else")
		return 2
	}
	for _, s := range strings.Split(skip, ",") {
		if s = strings.Trim(strings.TrimSpace(s), "/"); s != "" {
			c.skip = append(c.skip, s)
		}
	}
	mods, testDeps, err := build(c)
	if err != nil {
		fmt.Fprintf(stderr, "modproxy: %v\n", err)
		return 1
	}
	for _, m := range mods {
		fmt.Fprintf(stderr, "modproxy: %s@%s from ./%s, %s\n", m.Path, m.Version.Version, m.dir, m.hash)
		fmt.Fprintln(stdout, m.Path)
	}
	if testOnlyFile != "" {
		if err := os.WriteFile(testOnlyFile, []byte(strings.Join(testDeps, "\n")+"\n"), 0o644); err != nil {
			fmt.Fprintf(stderr, "modproxy: %v\n", err)
			return 1
		}
	}
	return 0
}
