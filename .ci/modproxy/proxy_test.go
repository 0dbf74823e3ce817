package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// repo makes a git repository with files (path → content) committed, and returns its path.
func repo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"init", "-q"},
		{"add", "-A"},
		{"-c", "user.name=t", "-c", "user.email=t@localhost", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "test"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=2026-11-27T09:00:00Z", "GIT_AUTHOR_DATE=2026-11-27T09:00:00Z")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

// layout is a small repository like keycard's: a root module, a released nested module that
// requires it, an unreleased one with a test-only dependency, and files that must not be
// published.
func layout() map[string]string {
	return map[string]string{
		"LICENSE":    "MIT\n",
		"go.mod":     "module example.com/lib\n\ngo 1.26.0\n\nrequire github.com/rs/zerolog v1.35.1\n",
		"lib.go":     "package lib\n",
		"sub/sub.go": "package sub\n",
		".gitignore": "*.test\n",
		"store/go.mod": "module example.com/lib/store\n\ngo 1.26.0\n\n" +
			"require (\n\texample.com/lib v0.1.0\n\tgithub.com/redis/go-redis/v9 v9.23.0\n\tgithub.com/rs/zerolog v1.35.1 // indirect\n)\n",
		"store/store.go":  "package store\n",
		"example/go.mod":  "module example.com/lib/example\n\ngo 1.26.0\n\nrequire (\n\texample.com/lib v0.1.0\n\tgithub.com/chromedp/chromedp v0.23.0\n\tgithub.com/rs/zerolog v1.35.1\n)\n",
		"example/main.go": "package main\n",
		".ci/tool/go.mod": "module ci/tool\n\ngo 1.26.0\n",
	}
}

func TestBuild(t *testing.T) {
	src := repo(t, layout())
	// An untracked file is not part of the revision and must not be published.
	if err := os.WriteFile(filepath.Join(src, "untracked.go"), []byte("package lib\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	mods, testOnly, err := build(config{repo: src, rev: "HEAD", version: "v0.1.0", out: out, skip: []string{"example"}})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, m := range mods {
		paths = append(paths, m.Path)
	}
	if want := []string{"example.com/lib", "example.com/lib/store"}; !slices.Equal(paths, want) {
		t.Errorf("published %v, want %v", paths, want)
	}
	if want := []string{"github.com/chromedp/chromedp"}; !slices.Equal(testOnly, want) {
		t.Errorf("test-only dependencies: got %v, want %v (zerolog is required by a released module too)", testOnly, want)
	}

	for _, c := range []struct {
		mod   string
		files []string
	}{
		{"example.com/lib", []string{".gitignore", "LICENSE", "go.mod", "lib.go", "sub/sub.go"}},
		{"example.com/lib/store", []string{"LICENSE", "go.mod", "store.go"}}, // LICENSE from the root
	} {
		dir := filepath.Join(out, filepath.FromSlash(c.mod), "@v")
		m := module.Version{Path: c.mod, Version: "v0.1.0"}
		checked, err := zip.CheckZip(m, filepath.Join(dir, "v0.1.0.zip"))
		if err != nil {
			t.Fatalf("%s: %v", c.mod, err)
		}
		var got []string
		for _, f := range checked.Valid {
			got = append(got, strings.TrimPrefix(f, m.String()+"/"))
		}
		slices.Sort(got)
		if !slices.Equal(got, c.files) {
			t.Errorf("%s zip: got %v, want %v", c.mod, got, c.files)
		}
		list, _ := os.ReadFile(filepath.Join(dir, "list"))
		if string(list) != "v0.1.0\n" {
			t.Errorf("%s list: got %q", c.mod, list)
		}
		var info struct{ Version, Time string }
		data, _ := os.ReadFile(filepath.Join(dir, "v0.1.0.info"))
		if err := json.Unmarshal(data, &info); err != nil || info.Version != "v0.1.0" || info.Time != "2026-11-27T09:00:00Z" {
			t.Errorf("%s info: got %s (%v)", c.mod, data, err)
		}
		mod, _ := os.ReadFile(filepath.Join(dir, "v0.1.0.mod"))
		if !strings.HasPrefix(string(mod), "module "+c.mod+"\n") {
			t.Errorf("%s .mod: got %q", c.mod, mod)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "example.com", "lib", "example")); !os.IsNotExist(err) {
		t.Errorf("the unreleased example module was published (%v)", err)
	}
}

// TestBuildRefuses checks the go.mod files a consumer could not build with.
func TestBuildRefuses(t *testing.T) {
	for _, c := range []struct {
		name, file, content, want string
	}{
		{"a replace directive", "store/go.mod",
			"module example.com/lib/store\n\ngo 1.26.0\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../\n",
			"has a replace directive (example.com/lib => ../): consumers ignore it"},
		{"an unpublished version of the core", "store/go.mod",
			"module example.com/lib/store\n\ngo 1.26.0\n\nrequire example.com/lib v0.0.0\n",
			"requires example.com/lib@v0.0.0, but this release publishes v0.1.0"},
		{"an unreleased module", "store/go.mod",
			"module example.com/lib/store\n\ngo 1.26.0\n\nrequire example.com/lib/example v0.1.0\n",
			"requires example.com/lib/example, which is not released"},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := layout()
			files[c.file] = c.content
			_, _, err := build(config{repo: repo(t, files), rev: "HEAD", version: "v0.1.0", out: t.TempDir(), skip: []string{"example"}})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
	if _, _, err := build(config{repo: repo(t, layout()), rev: "HEAD", version: "0.1", out: t.TempDir()}); err == nil {
		t.Error("a version that is not canonical semver was accepted")
	}
}

// TestServes checks that the go command installs from the proxy: go mod download of the nested
// module, offline, with nothing but the proxy directory.
func TestServes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	files := layout()
	files["store/go.mod"] = "module example.com/lib/store\n\ngo 1.26.0\n\nrequire example.com/lib v0.1.0\n"
	files["go.mod"] = "module example.com/lib\n\ngo 1.26.0\n"
	out := t.TempDir()
	if _, _, err := build(config{repo: repo(t, files), rev: "HEAD", version: "v0.1.0", out: out}); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	cmd := exec.Command("go", "mod", "download", "-json", "example.com/lib/store@v0.1.0", "example.com/lib@latest")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GONOSUMDB=example.com", "GOSUMDB=off",
		"GOPROXY=file://"+filepath.ToSlash(out), "GOMODCACHE="+cache)
	outb, err := cmd.CombinedOutput()
	t.Cleanup(func() { _ = exec.Command("chmod", "-R", "u+w", cache).Run() })
	if err != nil {
		t.Fatalf("go mod download: %v\n%s", err, outb)
	}
	if !strings.Contains(string(outb), `"Version": "v0.1.0"`) || strings.Contains(string(outb), `"Error"`) {
		t.Errorf("go mod download:\n%s", outb)
	}
}
