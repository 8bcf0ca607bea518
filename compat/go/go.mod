module github.com/gatehouse/gatehouse/compat/go

go 1.26

require github.com/clerk/clerk-sdk-go/v2 v2.4.2

require (
	github.com/go-jose/go-jose/v3 v3.0.4 // indirect
	golang.org/x/crypto v0.19.0 // indirect
)
