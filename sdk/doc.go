// Package gatehouse is the Go SDK for apps that sign people in with a
// Gatehouse (or Clerk-compatible) server: networkless session-token
// verification, net/http middleware with route protection and
// authorization checks (roles, permissions, plans, features, fresh
// verification), the server-rendering handshake, Svix-compatible webhook
// verification and a few browser-safety helpers. It depends only on the
// standard library.
package gatehouse
