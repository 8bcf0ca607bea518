package bapi

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// maxFilterValue bounds one query filter value in bytes: longer than any
// stored identifier (external_id is at most 256), so a longer value is a
// mistake, not a miss.
const maxFilterValue = 256

// filterText checks one filter value: valid text without control
// characters, at most maxFilterValue bytes.
func filterText(name, v string) error {
	if !gatehouse.ValidText(v) {
		return gatehouse.TextInvalid(name)
	}
	if len(v) > maxFilterValue {
		return gatehouse.ParamInvalid(name, name+" values are at most 256 bytes long.")
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return gatehouse.ParamInvalid(name, name+" must not contain control characters.")
		}
	}
	return nil
}

// filterList returns every value of a repeated query parameter, accepting
// both name=a&name=b and name[]=a, trimmed, empty values dropped, each
// checked by filterText.
func filterList(q url.Values, name string) ([]string, error) {
	vals := append(append([]string{}, q[name]...), q[name+"[]"]...)
	out := vals[:0]
	for _, v := range vals {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if err := filterText(name, v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// idList is filterList for IDs: every value must be a well-formed ID with
// prefix (gatehouse.ValidID), or the request is a 422
// form_param_format_invalid. A well-formed ID that names nothing simply
// matches nothing.
func idList(q url.Values, name, prefix string) ([]string, error) {
	vals, err := filterList(q, name)
	if err != nil {
		return nil, err
	}
	for _, v := range vals {
		if !gatehouse.ValidID(prefix, v) {
			return nil, badID(name, prefix)
		}
	}
	return vals, nil
}

// idParam is idList for a single-valued parameter ("" when absent).
func idParam(q url.Values, name, prefix string) (string, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return "", nil
	}
	if !gatehouse.ValidID(prefix, v) {
		return "", badID(name, prefix)
	}
	return v, nil
}

func badID(name, prefix string) error {
	return gatehouse.ParamInvalid(name, name+" must be an ID of the form "+prefix+"... (letters and digits, at most 64 after the prefix).")
}
