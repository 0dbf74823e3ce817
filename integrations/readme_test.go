package integrations

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// snippetMarker precedes a README code block that must appear, verbatim up to indentation, in
// the file it names: <!-- snippet: integrations/gin.go -->.
const snippetMarker = "<!-- snippet: "

// TestReadmeSnippets checks that every marked block of the README is code of this package, so
// that what the README shows is what the tests compile and drive.
func TestReadmeSnippets(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type snippet struct {
		file string
		line int
		code []string
	}
	var snippets []snippet
	sc := bufio.NewScanner(f)
	for n, cur := 0, (*snippet)(nil); sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, snippetMarker):
			name := strings.TrimSuffix(strings.TrimPrefix(line, snippetMarker), " -->")
			snippets = append(snippets, snippet{file: name, line: n + 1})
		case cur == nil && len(snippets) > 0 && snippets[len(snippets)-1].code == nil && strings.HasPrefix(line, "```go"):
			cur = &snippets[len(snippets)-1]
			cur.code = []string{}
		case cur != nil && strings.HasPrefix(line, "```"):
			cur = nil
		case cur != nil:
			cur.code = append(cur.code, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	covered := make(map[string]bool)
	for _, s := range snippets {
		if len(s.code) == 0 {
			t.Errorf("README.md:%d: the marker is not followed by a ```go block", s.line)
			continue
		}
		name, ok := strings.CutPrefix(s.file, "integrations/")
		if !ok || strings.Contains(name, "/") {
			t.Errorf("README.md:%d: snippet file %q is not in integrations/", s.line, s.file)
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("README.md:%d: %v", s.line, err)
			continue
		}
		if !strings.Contains(normalize(string(src)), normalize(strings.Join(s.code, "\n"))) {
			t.Errorf("README.md:%d: the block is not in %s as it stands (indentation aside):\n%s", s.line, name, strings.Join(s.code, "\n"))
		}
		covered[name] = true
	}
	for _, name := range []string{"proxy.go", "chi.go", "echo.go", "gin.go", "keys.go"} {
		if !covered[name] {
			t.Errorf("no README block is marked as coming from integrations/%s", name)
		}
	}
}

// normalize drops each line's indentation and the empty lines, so that a block indented for the
// README matches the same code inside a function.
func normalize(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return "\n" + strings.Join(out, "\n") + "\n"
}
