package password

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultRangeURL is Have I Been Pwned's k-anonymity range API.
const DefaultRangeURL = "https://api.pwnedpasswords.com/range/"

// Pwned checks passwords against a Pwned Passwords range API: only the first
// five hex digits of the password's SHA-1 leave the server (k-anonymity), and
// responses are padded so their size says nothing either.
type Pwned struct {
	RangeURL string       // DefaultRangeURL when empty; the prefix is appended
	Client   *http.Client // a client with a 3 s timeout when nil
}

// Breached reports whether password appears in the breach corpus. An error
// means the service could not answer.
func (p *Pwned) Breached(ctx context.Context, password string) (bool, error) {
	sum := sha1.Sum([]byte(password)) // the API's hash; not used for storage
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	prefix, suffix := h[:5], h[5:]
	base := p.RangeURL
	if base == "" {
		base = DefaultRangeURL
	}
	c := p.Client
	if c == nil {
		c = &http.Client{Timeout: 3 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+prefix, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Add-Padding", "true")
	req.Header.Set("User-Agent", "gatehouse")
	res, err := c.Do(req)
	if err != nil {
		return false, fmt.Errorf("pwned passwords: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return false, fmt.Errorf("pwned passwords: status %d", res.StatusCode)
	}
	sc := bufio.NewScanner(io.LimitReader(res.Body, 4<<20))
	for sc.Scan() {
		// SUFFIX:COUNT; padding entries have count 0.
		s, count, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if ok && strings.EqualFold(s, suffix) && strings.TrimSpace(count) != "0" {
			return true, nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("pwned passwords: %w", err)
	}
	return false, nil
}
