/*
Copyright 2026 The meetwarden Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package report

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The report is opened in a real browser, Debian's headless Chromium (hack/chromium.sh finds
// or installs it), for a compliant and a failing platform: printed to PDF and screenshotted at
// the size of a laptop screen. The test checks what a reader sees first: the verdict in its
// colour in the top of the first screen, and for the failing platform the failing control.

// viewport is the first screen a reader sees (and the screenshot's size).
const viewportWidth, viewportHeight = 1200, 900

// The verdict colours of report.html.tmpl (--pass and --fail).
var (
	passColour = color.RGBA{0x1b, 0x6e, 0x35, 0xff}
	failColour = color.RGBA{0xb3, 0x26, 0x1e, 0xff}
)

func TestChromiumPrintsAndShowsTheVerdict(t *testing.T) {
	browser := chromium(t)
	for name, tc := range map[string]struct {
		failing       bool
		verdict       string
		colour, never color.RGBA
	}{
		"compliant": {false, VerdictCompliant, passColour, failColour},
		"failing":   {true, VerdictNotCompliant, failColour, passColour},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			page := filepath.Join(dir, "report.html")
			if err := os.WriteFile(page, []byte(render(t, testDocument(tc.failing))), 0o600); err != nil {
				t.Fatal(err)
			}
			shot, pdf := filepath.Join(dir, "report.png"), filepath.Join(dir, "report.pdf")
			dom := runChromium(t, browser, dir, "--screenshot="+shot, "--print-to-pdf="+pdf, "--dump-dom", "file://"+page)

			checkPDF(t, pdf)
			top := topOfScreenshot(t, shot)
			// The banner spans the page's width under the title: in the top third, a large
			// share of the pixels is the verdict's colour, none the opposite verdict's.
			if share := colourShare(top, tc.colour); share < 0.10 {
				t.Errorf("the verdict colour covers %.1f%% of the top of the first screen, want at least 10%%", 100*share)
			}
			if share := colourShare(top, tc.never); share > 0 {
				t.Errorf("the colour of the opposite verdict covers %.1f%% of the top of the first screen", 100*share)
			}
			checkDOM(t, dom, tc.verdict, tc.failing)
			if tc.failing && *update {
				copyFile(t, shot, filepath.Join("..", "docs", "images", "report-failing.png"))
			}
		})
	}
}

func chromium(t *testing.T) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(filepath.Join("..", "hack", "chromium.sh"))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hack/chromium.sh: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// runChromium runs one headless browser with its own profile directory and returns the DOM it
// dumps (stdout).
func runChromium(t *testing.T, browser, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
		"--no-pdf-header-footer", "--user-data-dir=" + filepath.Join(dir, "profile"),
		"--window-size=" + strconv.Itoa(viewportWidth) + "," + strconv.Itoa(viewportHeight),
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, stderr.String())
	}
	return stdout.String()
}

func checkPDF(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no PDF: %v", err)
	}
	if !bytes.HasPrefix(raw, []byte("%PDF-")) || len(raw) < 20_000 {
		t.Errorf("the PDF is %d bytes and starts %q: not a printed report", len(raw), raw[:min(len(raw), 8)])
	}
}

// topOfScreenshot decodes the screenshot, checks it is the viewport and not blank, and returns
// its top third, where the title and the verdict are.
func topOfScreenshot(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer func() { _ = f.Close() }()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot is no PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != viewportWidth || b.Dy() != viewportHeight {
		t.Errorf("the screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), viewportWidth, viewportHeight)
	}
	if colours := distinctColours(img); colours < 50 {
		t.Errorf("the screenshot has %d colours: blank, or no text rendered", colours)
	}
	return img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(b.Min.X, b.Min.Y, b.Max.X, b.Min.Y+b.Dy()/3))
}

func distinctColours(img image.Image) int {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			seen[rgba(img.At(x, y))] = true
		}
	}
	return len(seen)
}

func colourShare(img image.Image, want color.RGBA) float64 {
	b := img.Bounds()
	var match, all int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			all++
			if near(rgba(img.At(x, y)), want) {
				match++
			}
		}
	}
	return float64(match) / float64(all)
}

func rgba(c color.Color) color.RGBA {
	r, g, b, a := c.RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

// near allows for the colour management of the screenshot.
func near(a, b color.RGBA) bool {
	d := func(x, y uint8) int { return max(int(x), int(y)) - min(int(x), int(y)) }
	return d(a.R, b.R) <= 6 && d(a.G, b.G) <= 6 && d(a.B, b.B) <= 6
}

// checkDOM checks the document the browser built: the verdict is the first large text, and
// the failing control is named inside the verdict's banner.
func checkDOM(t *testing.T, dom, verdict string, failing bool) {
	t.Helper()
	start := strings.Index(dom, `<div class="verdict`)
	end := strings.Index(dom, "<h2>")
	if start < 0 || end < start {
		t.Fatalf("no verdict banner before the first section in the browser's DOM:\n%.2000s", dom)
	}
	banner := dom[start:end]
	if !strings.Contains(banner, `<div class="text">`+verdict+`</div>`) {
		t.Errorf("the banner does not say %q:\n%s", verdict, banner)
	}
	if named := strings.Contains(banner, "<b>"+string(failingControl)+"</b>"); named != failing {
		t.Errorf("failing control %s named in the banner: %v, want %v", failingControl, named, failing)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}
