module github.com/gatehouse/gatehouse/sdk

go 1.26
