package gatehouse

import (
	"bytes"
	"encoding/json"
)

// Opt is a field that distinguishes absent, null and a value, for updates
// where null clears a field and absence leaves it alone. It decodes from JSON
// (numbers inside decode as json.Number, so large integers survive).
type Opt[T any] struct {
	Set   bool // the key was present
	Null  bool // the key was present with null
	Value T
}

// Some returns a present, non-null Opt.
func Some[T any](v T) Opt[T] { return Opt[T]{Set: true, Value: v} }

// UnmarshalJSON records presence and null-ness.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Null = true
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(&o.Value)
}

// Ptr returns nil for absent or null, else a pointer to a copy of the value.
func (o Opt[T]) Ptr() *T {
	if !o.Set || o.Null {
		return nil
	}
	v := o.Value
	return &v
}
