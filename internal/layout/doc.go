// Package layout has no code of its own: its tests hold the package graph
// to the rules of docs/packages.md (handlers never import the store, and the
// documented graph is the real one).
package layout
