package session

import (
	"encoding/json"
	"testing"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

func TestRenderClaims(t *testing.T) {
	first := "Ada"
	u := &gatehouse.User{ID: "user_1", FirstName: &first, PublicMetadata: map[string]any{"role": "admin", "profile": map[string]any{"tags": []any{"x"}}}}
	var tmpl map[string]any
	_ = json.Unmarshal([]byte(`{
		"metadata": "{{user.public_metadata}}",
		"role": "{{user.public_metadata.role}}",
		"tags": "{{ user.public_metadata.profile.tags }}",
		"greeting": "Hi {{user.first_name}} ({{user.last_name}})",
		"name": "{{user.full_name || 'Anonymous'}}",
		"last": "{{user.last_name || user.username || 'none'}}",
		"missing": "{{user.nope.deeper}}",
		"nested": {"id": "{{user.id}}", "list": ["{{user.id}}", 3]},
		"number": "{{user.nope || 42}}"
	}`), &tmpl)
	got, _ := json.Marshal(RenderClaims(tmpl, ShortcodeData(u)))
	want := `{"greeting":"Hi Ada (null)","last":"none","metadata":{"profile":{"tags":["x"]},"role":"admin"},"missing":null,"name":"Ada","nested":{"id":"user_1","list":["user_1",3]},"number":42,"role":"admin","tags":["x"]}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
