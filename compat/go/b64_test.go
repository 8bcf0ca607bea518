package compat

import "encoding/base64"

func decodeSeg(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
func encodeSeg(b []byte) string          { return base64.RawURLEncoding.EncodeToString(b) }
