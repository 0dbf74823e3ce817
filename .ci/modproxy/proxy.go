package main

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/zip"
)

// config is what to publish.
type config struct {
	repo, rev, version, out string
	skip                    []string // directories of unreleased modules, slash-separated, relative
}

// published is one module written to the proxy.
type published struct {
	module.Version
	dir      string        // relative to the repository, "." for the root
	goMod    []byte        // its go.mod
	file     *modfile.File // goMod parsed
	released bool          // false for a module under a -skip directory
	hash     string        // the h1: hash a go.sum line records for the zip
}

// build exports c.rev and writes every released module in it to c.out. It also returns the
// test-only dependencies of the unreleased modules (see testOnly).
func build(c config) ([]published, []string, error) {
	if module.CanonicalVersion(c.version) != c.version || !strings.HasPrefix(c.version, "v") {
		return nil, nil, fmt.Errorf("-version %q is not a canonical semantic version such as v0.1.0", c.version)
	}
	tmp, err := os.MkdirTemp("", "modproxy-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "src")
	if err := export(c.repo, c.rev, src); err != nil {
		return nil, nil, err
	}
	when, err := commitTime(c.repo, c.rev)
	if err != nil {
		return nil, nil, err
	}
	all, err := findModules(src, c.skip)
	if err != nil {
		return nil, nil, err
	}
	var mods []published
	for _, m := range all {
		if m.released {
			mods = append(mods, m)
		}
	}
	if len(mods) == 0 || mods[0].dir != "." {
		return nil, nil, errors.New("no released go.mod at the repository's root")
	}
	paths := make(map[string]bool)
	for _, m := range mods {
		paths[m.Path] = true
	}
	for i := range mods {
		m := &mods[i]
		m.Version.Version = c.version
		if err := checkGoMod(m, paths, c.version); err != nil {
			return nil, nil, err
		}
		if err := publish(c.out, src, m, when); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", m.Path, err)
		}
	}
	return mods, testOnly(all), nil
}

// export writes the tracked files of rev into dir, as git archive gives them.
func export(repo, rev, dir string) error {
	cmd := exec.Command("git", "-c", "core.autocrlf=input", "-c", "core.eol=lf", "archive", "--format=tar", rev)
	cmd.Dir = repo
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	extractErr := untar(out, dir)
	_, _ = io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git archive %s: %w: %s", rev, err, strings.TrimSpace(stderr.String()))
	}
	return extractErr
}

// untar writes the regular files of a tar stream under dir. Anything else (symbolic links)
// is left out, as a module zip cannot hold it.
func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(h.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("git archive: unexpected path %q", h.Name)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, tr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
}

// commitTime is the committer time of rev, which the .info file reports as the version's time.
func commitTime(repo, rev string) (time.Time, error) {
	cmd := exec.Command("git", "show", "-s", "--format=%cI", rev)
	cmd.Dir = repo
	out, err := cmd.Output()
	if err != nil {
		return time.Time{}, fmt.Errorf("git show %s: %w", rev, err)
	}
	return time.Parse(time.RFC3339, strings.TrimSpace(string(out)))
}

// findModules lists the modules under src, the root first. Those under a skip directory are
// returned with released false; directories whose name starts with "." or "_", and testdata,
// are left out (the go command ignores them too).
func findModules(src string, skip []string) ([]published, error) {
	var mods []published
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			if rel != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Name() != "go.mod" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := modfile.Parse(rel, data, nil)
		if err != nil {
			return err
		}
		if f.Module == nil {
			return fmt.Errorf("%s: no module line", rel)
		}
		dir := path.Dir(rel)
		released := !slices.ContainsFunc(skip, func(s string) bool { return dir == s || strings.HasPrefix(dir, s+"/") })
		mods = append(mods, published{Version: module.Version{Path: f.Module.Mod.Path}, dir: dir, goMod: data, file: f, released: released})
		return nil
	})
	slices.SortFunc(mods, func(a, b published) int { return strings.Compare(a.dir, b.dir) })
	return mods, err
}

// testOnly lists the modules that an unreleased module (example, bench, ...) requires directly
// and no released module requires at all: test and benchmark dependencies that must never
// reach a consumer's build list.
func testOnly(mods []published) []string {
	need := make(map[string]bool)
	for _, m := range mods {
		if m.released {
			for _, r := range m.file.Require {
				need[r.Mod.Path] = true
			}
		}
	}
	var out []string
	for _, m := range mods {
		if m.released {
			continue
		}
		for _, r := range m.file.Require {
			if !r.Indirect && !need[r.Mod.Path] && !slices.Contains(out, r.Mod.Path) && !isRepoModule(mods, r.Mod.Path) {
				out = append(out, r.Mod.Path)
			}
		}
	}
	slices.Sort(out)
	return out
}

// isRepoModule reports whether path is one of the repository's modules.
func isRepoModule(mods []published, path string) bool {
	return slices.ContainsFunc(mods, func(m published) bool { return m.Path == path })
}

// checkGoMod refuses a go.mod that a consumer could not build with: replace directives (the go
// command ignores them outside the main module, so they hide a broken requirement) and
// requirements on modules of this repository at a version other than the one published.
func checkGoMod(m *published, published map[string]bool, version string) error {
	f := m.file
	if len(f.Replace) > 0 {
		return fmt.Errorf("%s/go.mod has a replace directive (%s => %s): consumers ignore it; require the released version and use go.work for development",
			m.dir, f.Replace[0].Old.Path, f.Replace[0].New.Path)
	}
	root := ""
	for p := range published {
		if root == "" || len(p) < len(root) {
			root = p
		}
	}
	for _, r := range f.Require {
		inRepo := r.Mod.Path == root || strings.HasPrefix(r.Mod.Path, root+"/")
		switch {
		case !inRepo:
		case !published[r.Mod.Path]:
			return fmt.Errorf("%s/go.mod requires %s, which is not released (a test-only module?)", m.dir, r.Mod.Path)
		case r.Mod.Version != version:
			return fmt.Errorf("%s/go.mod requires %s@%s, but this release publishes %s", m.dir, r.Mod.Path, r.Mod.Version, version)
		}
	}
	return nil
}

// publish writes m's list, .info, .mod and .zip files under out.
func publish(out, src string, m *published, when time.Time) error {
	esc, err := module.EscapePath(m.Path)
	if err != nil {
		return err
	}
	dir := filepath.Join(out, filepath.FromSlash(esc), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	modDir := filepath.Join(src, filepath.FromSlash(m.dir))
	if _, err := os.Stat(filepath.Join(modDir, "LICENSE")); errors.Is(err, fs.ErrNotExist) && m.dir != "." {
		lic, err := os.ReadFile(filepath.Join(src, "LICENSE"))
		if err != nil {
			return fmt.Errorf("no LICENSE at the repository's root: %w", err)
		}
		if err := os.WriteFile(filepath.Join(modDir, "LICENSE"), lic, 0o644); err != nil {
			return err
		}
	}
	zipPath := filepath.Join(dir, m.Version.Version+".zip")
	zf, err := os.Create(zipPath)
	if err != nil {
		return err
	}
	err = zip.CreateFromDir(zf, m.Version, modDir)
	if cerr := zf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if _, err := zip.CheckZip(m.Version, zipPath); err != nil {
		return err
	}
	if m.hash, err = dirhash.HashZip(zipPath, dirhash.DefaultHash); err != nil {
		return err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{m.Version.Version, when.UTC()})
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{
		m.Version.Version + ".mod":  m.goMod,
		m.Version.Version + ".info": info,
		"list":                      []byte(m.Version.Version + "\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
