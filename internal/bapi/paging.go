package bapi

import (
	"net/url"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// paging reads Clerk's limit (1–500) and offset (>= 0) query parameters into
// *limit and *offset, leaving the defaults when a parameter is absent.
// offset may be nil for lists that do not page.
func paging(q url.Values, limit, offset *int) error {
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			return gatehouse.ParamInvalid("limit", "limit must be a whole number from 1 to 500.")
		}
		*limit = n
	}
	if s := q.Get("offset"); s != "" && offset != nil {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return gatehouse.ParamInvalid("offset", "offset must be a whole number, 0 or more.")
		}
		*offset = n
	}
	return nil
}
