package gatehouse

import "errors"

// ErrUnavailable is what the storage reports (through errors.Is) when the
// database could not be reached or could not answer right now, rather than a
// bug or bad data: callers answer 503 and never a token or a session.
var ErrUnavailable = errors.New("storage unavailable")
