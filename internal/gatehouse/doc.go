// Package gatehouse holds Gatehouse's domain types, its public error catalogue,
// identifier generation and the Clock abstraction. It imports only the standard
// library so every other package can depend on it.
package gatehouse
