package middleware

import "strings"

// maxUserAgent bounds how much of a User-Agent header DeviceName reads.
const maxUserAgent = 512

// DeviceName returns a short description of the device a User-Agent header names, such as
// "Firefox on Linux", "Safari on iPhone" or "curl": a browser (or client) and an operating
// system, each from a fixed list, or "Unknown device". It is for people (a list of signed-in
// devices, a "new sign-in" e-mail), not for security decisions: a client can send any
// User-Agent. The result holds only names from those lists, never text copied from the header,
// so it is safe to show and to log. It never panics and reads at most 512 bytes.
func DeviceName(userAgent string) string {
	ua := userAgent
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	browser, os := uaBrowser(ua), uaOS(ua)
	switch {
	case browser == "" && os == "":
		return "Unknown device"
	case os == "":
		return browser
	case browser == "":
		return "Browser on " + os
	}
	return browser + " on " + os
}

// uaBrowser names the browser or client. Order matters: Edge and Opera also say Chrome, and
// Chrome also says Safari.
func uaBrowser(ua string) string {
	for _, b := range [...]struct{ token, name string }{
		{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
		{"OPR/", "Opera"}, {"Opera", "Opera"},
		{"SamsungBrowser/", "Samsung Internet"},
		{"Vivaldi/", "Vivaldi"},
		{"YaBrowser/", "Yandex Browser"},
		{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"HeadlessChrome/", "Headless Chrome"},
		{"CriOS/", "Chrome"}, {"Chromium/", "Chromium"}, {"Chrome/", "Chrome"},
		{"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			return b.name
		}
	}
	for _, c := range [...]struct{ prefix, name string }{
		{"curl/", "curl"}, {"Wget/", "Wget"}, {"Go-http-client/", "Go HTTP client"},
		{"python-requests/", "Python requests"}, {"PostmanRuntime/", "Postman"}, {"okhttp/", "OkHttp"},
	} {
		if strings.HasPrefix(ua, c.prefix) {
			return c.name
		}
	}
	return ""
}

// uaOS names the operating system or device. iPhone and iPad before Mac OS X, which they also
// mention; Android before Linux, which it also says; CrOS before Linux too.
func uaOS(ua string) string {
	for _, o := range [...]struct{ token, name string }{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"iPod", "iPod"},
		{"Android", "Android"},
		{"CrOS", "ChromeOS"},
		{"Windows Phone", "Windows Phone"}, {"Windows", "Windows"},
		{"Macintosh", "macOS"}, {"Mac OS X", "macOS"},
		{"Linux", "Linux"}, {"FreeBSD", "FreeBSD"}, {"OpenBSD", "OpenBSD"},
	} {
		if strings.Contains(ua, o.token) {
			return o.name
		}
	}
	return ""
}
