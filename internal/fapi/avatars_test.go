package fapi_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

// upload posts body to path as clerk-js's user.setProfileImage does:
// multipart/form-data with a "file" part (or, for contentType
// application/octet-stream, the raw body).
func upload(t *testing.T, b *apitest.Browser, base, method, path, contentType string, body []byte, header map[string]string) *apitest.Response {
	t.Helper()
	var buf bytes.Buffer
	ct := contentType
	if contentType == "multipart" {
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "avatar.bin")
		fw.Write(body)
		mw.Close()
		ct = mw.FormDataContentType()
	} else {
		buf.Write(body)
	}
	req, _ := http.NewRequest(method, base+path, &buf)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Origin", b.Origin)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return &apitest.Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

func get(t *testing.T, rawURL string, host string) *apitest.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", rawURL, nil)
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return &apitest.Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func checkImageHeaders(t *testing.T, r *apitest.Response, contentType string) {
	t.Helper()
	h := r.Header
	if r.Status != 200 || h.Get("Content-Type") != contentType || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") ||
		!strings.Contains(h.Get("Cache-Control"), "max-age=") {
		t.Fatalf("image response: %d %v", r.Status, h)
	}
}

// <UserButton/> renders <img src={image_url}>: an empty image_url is a
// broken image. Users without an upload get an absolute URL (from the
// configured public URL, whatever the Host header says) of a generated SVG
// avatar: initials when there are names, a silhouette otherwise, with
// has_image false. The SVG is served strictly and cannot carry markup from
// its query.
func TestDefaultAvatar(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		b := s.NewBrowser()
		sid := signUp(t, s, b, "avatar+clerk_test@example.com")
		me := b.Call("GET", "/v1/me", nil).Env(t).Response
		img, _ := me["image_url"].(string)
		if !strings.HasPrefix(img, s.URL+"/v1/avatars/") || me["profile_image_url"] != img || me["has_image"] != false {
			t.Fatalf("image_url %q profile_image_url %v has_image %v", img, me["profile_image_url"], me["has_image"])
		}
		// The session's public_user_data and the Backend API agree.
		e := b.Call("GET", "/v1/client/sessions/"+sid, nil).Env(t)
		if pud := e.Response["public_user_data"].(map[string]any); pud["image_url"] != img || pud["has_image"] != false {
			t.Fatalf("public_user_data: %v", pud)
		}
		if u := s.BAPI("GET", "/users/"+me["id"].(string), nil).Map(t); u["image_url"] != img || u["has_image"] != false {
			t.Fatalf("BAPI user image_url %v has_image %v", u["image_url"], u["has_image"])
		}
		// {{user.image_url}} in custom claims is the same absolute URL.
		s.BAPI("PATCH", "/instance", map[string]any{"session_claims": map[string]any{"img": "{{user.image_url}}"}})
		if _, jwt := token(t, b, sid); claims(t, s, jwt)["img"] != img {
			t.Fatalf("{{user.image_url}} = %v, want %s", claims(t, s, jwt)["img"], img)
		}
		// A spoofed Host does not move the URL.
		req, _ := http.NewRequest("GET", s.URL+"/v1/me", nil)
		req.Host = "evil.example"
		req.Header.Set("Origin", b.Origin)
		for _, c := range b.Client.Jar.Cookies(req.URL) {
			req.AddCookie(c)
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), "evil.example") {
				t.Fatalf("image_url built from the Host header: %s", body)
			}
		}
		// No names: a silhouette (no text), served as strict SVG; the width
		// the components append is ignored.
		r := get(t, img+"&width=80", "")
		checkImageHeaders(t, r, "image/svg+xml")
		if !strings.HasPrefix(string(r.Body), "<svg") || strings.Contains(string(r.Body), "<text") {
			t.Fatalf("silhouette avatar: %s", r.Body)
		}
		// Names: initials.
		me = b.Call("PATCH", "/v1/me", form("first_name", "ada", "last_name", "Lovelace")).Env(t).Response
		img = me["image_url"].(string)
		if !strings.Contains(img, "initials=AL") {
			t.Fatalf("image_url with names: %s", img)
		}
		if r := get(t, img, ""); !strings.Contains(string(r.Body), ">AL</text>") {
			t.Fatalf("initials avatar: %s", r.Body)
		}
		// Whatever the query says, only two letters and a palette colour.
		r = get(t, s.URL+"/v1/avatars/default.svg?initials=%3Cscript%3Ealert(1)%3C/script%3E%22%27&seed=999", "")
		checkImageHeaders(t, r, "image/svg+xml")
		if body := string(r.Body); strings.Contains(body, "<script") || strings.Contains(body, "alert") || !strings.Contains(body, ">SC</text>") {
			t.Fatalf("initials not sanitized: %s", body)
		}
	})
}

// <UserProfile/> uploads with user.setProfileImage({file}) (multipart
// "file") and removes with setProfileImage({file: null}) (DELETE). Only
// PNG, JPEG, GIF and WebP, decided from the bytes, at most 10 MB; the image
// is stored in the database, served at a stable URL with its type and
// nosniff, shows as has_image true, and each change is a user.updated
// webhook. The Backend API offers the same.
func TestProfileImageUpload(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		s.AddEndpoint(rcv, "user.updated")
		s.RunDispatcher()
		b := s.NewBrowser()
		signUp(t, s, b, "upload+clerk_test@example.com")
		pic := pngBytes(t)

		// Refused: SVG (even declared as PNG), HTML, empty, too large, no file.
		for name, body := range map[string][]byte{
			"svg":  []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
			"html": []byte("<!doctype html><script>alert(1)</script>"),
			"text": []byte("just text"),
		} {
			if r := upload(t, b, s.URL, "POST", "/v1/me/profile_image", "multipart", body, nil); r.Status != 422 || r.ErrorCode() != "form_param_format_invalid" {
				t.Fatalf("%s upload: %d %s", name, r.Status, r.Body)
			}
		}
		big := append(append([]byte{}, pic...), make([]byte, 10_000_001)...)
		if r := upload(t, b, s.URL, "POST", "/v1/me/profile_image", "multipart", big, nil); r.Status != 413 {
			t.Fatalf("11 MB upload: %d %s", r.Status, r.Body)
		}
		if r := upload(t, b, s.URL, "POST", "/v1/me/profile_image", "text/plain", pic, nil); r.Status != 415 && r.Status != 400 {
			t.Fatalf("text/plain upload: %d %s", r.Status, r.Body)
		}
		if r := upload(t, s.NewBrowser(), s.URL, "POST", "/v1/me/profile_image", "multipart", pic, nil); r.Status != 401 {
			t.Fatalf("signed-out upload: %d %s", r.Status, r.Body)
		}
		if me := b.Call("GET", "/v1/me", nil).Env(t).Response; me["has_image"] != false {
			t.Fatal("a refused upload changed the user")
		}

		// Accepted.
		r := upload(t, b, s.URL, "POST", "/v1/me/profile_image", "multipart", pic, nil)
		env := r.Env(t)
		pub, _ := env.Response["public_url"].(string)
		if env.Response["object"] != "image" || !strings.HasPrefix(pub, s.URL+"/v1/profile_images/img_") {
			t.Fatalf("upload response: %s", r.Body)
		}
		me := b.Call("GET", "/v1/me", nil).Env(t).Response
		if me["image_url"] != pub || me["profile_image_url"] != pub || me["has_image"] != true {
			t.Fatalf("after upload: image_url %v has_image %v", me["image_url"], me["has_image"])
		}
		got := get(t, pub, "")
		checkImageHeaders(t, got, "image/png")
		if !bytes.Equal(got.Body, pic) {
			t.Fatal("served image differs from the upload")
		}
		userID := me["id"].(string)
		if u := s.BAPI("GET", "/users/"+userID, nil).Map(t); u["image_url"] != pub || u["has_image"] != true {
			t.Fatalf("BAPI after upload: %v %v", u["image_url"], u["has_image"])
		}

		// application/octet-stream with base64, as clerk-js sends a string.
		r = upload(t, b, s.URL, "POST", "/v1/me/profile_image", "application/octet-stream", []byte(base64.StdEncoding.EncodeToString(pic)), nil)
		pub2, _ := r.Env(t).Response["public_url"].(string)
		if pub2 == pub || !bytes.Equal(get(t, pub2, "").Body, pic) {
			t.Fatalf("base64 upload: %s", r.Body)
		}
		if r := get(t, pub, ""); r.Status != 404 {
			t.Fatalf("replaced image still served: %d", r.Status)
		}

		// Removed: the default avatar again.
		b.Call("DELETE", "/v1/me/profile_image", nil).Env(t)
		me = b.Call("GET", "/v1/me", nil).Env(t).Response
		if img, _ := me["image_url"].(string); me["has_image"] != false || !strings.Contains(img, "/v1/avatars/") {
			t.Fatalf("after delete: %v %v", me["image_url"], me["has_image"])
		}
		if r := get(t, pub2, ""); r.Status != 404 {
			t.Fatalf("deleted image still served: %d", r.Status)
		}

		// Backend API: set and delete.
		bh := map[string]string{"Authorization": "Bearer " + s.SecretKey}
		r = upload(t, b, s.URL, "POST", "/api/v1/users/"+userID+"/profile_image", "multipart", pic, bh)
		var bu map[string]any
		r.JSON(t, &bu)
		if r.Status != 200 || bu["has_image"] != true || !strings.HasPrefix(bu["image_url"].(string), s.URL+"/v1/profile_images/") {
			t.Fatalf("BAPI upload: %d %s", r.Status, r.Body)
		}
		bapiImg := bu["image_url"].(string)
		if r := upload(t, b, s.URL, "POST", "/api/v1/users/user_missing/profile_image", "multipart", pic, bh); r.Status != 404 {
			t.Fatalf("BAPI upload for an unknown user: %d %s", r.Status, r.Body)
		}
		if r := s.BAPI("DELETE", "/users/"+userID+"/profile_image", nil); r.Status != 200 || r.Map(t)["has_image"] != false {
			t.Fatalf("BAPI delete: %d %s", r.Status, r.Body)
		}
		// Deleting the user deletes the image.
		upload(t, b, s.URL, "POST", "/api/v1/users/"+userID+"/profile_image", "multipart", pic, bh).JSON(t, &bu)
		bapiImg = bu["image_url"].(string)
		s.BAPI("DELETE", "/users/"+userID, nil)
		if r := get(t, bapiImg, ""); r.Status != 404 {
			t.Fatalf("a deleted user's image is still served: %d", r.Status)
		}

		// Every change was a user.updated event carrying the new image_url.
		rcv.WaitFor(t, "user.updated for each image change", 10*time.Second, func(ds []apitest.Delivery) bool {
			has := 0
			for _, d := range ds {
				if d.Type() == "user.updated" && d.Data()["has_image"] == true {
					has++
				}
			}
			return has >= 4
		})
	})
}
