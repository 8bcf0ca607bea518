// Package httpx holds Gatehouse's HTTP plumbing shared by the API faces: the
// one function that turns errors into Clerk-shaped responses, strict JSON
// decoding with size limits, request ids, access logging and panic recovery.
package httpx
