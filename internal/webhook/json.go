package webhook

import "github.com/gatehouse/gatehouse/internal/store"

// The JSON shapes of endpoints and delivery attempts, shared by the Backend
// API and the CLI.

// EndpointJSON is a webhook endpoint on the wire.
type EndpointJSON struct {
	Object       string   `json:"object"`
	ID           string   `json:"id"`
	URL          string   `json:"url"`
	Description  string   `json:"description"`
	EventTypes   []string `json:"event_types"`
	Disabled     bool     `json:"disabled"`
	FailingSince *int64   `json:"failing_since"`
	Secret       string   `json:"secret,omitempty"` // only on create, rotate and GET …/secret
	CreatedAt    int64    `json:"created_at"`
	UpdatedAt    int64    `json:"updated_at"`
}

// EndpointOut renders an endpoint; the secret only when withSecret.
func EndpointOut(e *Endpoint, withSecret bool) EndpointJSON {
	out := EndpointJSON{Object: "webhook_endpoint", ID: e.ID, URL: e.URL, Description: e.Description, EventTypes: e.EventTypes,
		Disabled: e.Disabled, FailingSince: e.FailingSince, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	if out.EventTypes == nil {
		out.EventTypes = []string{}
	}
	if withSecret {
		out.Secret = e.Secret
	}
	return out
}

// AttemptJSON is one delivery attempt on the wire.
type AttemptJSON struct {
	Object          string `json:"object"`
	ID              string `json:"id"`
	DeliveryID      string `json:"delivery_id"`
	MessageID       string `json:"message_id"`
	EndpointID      string `json:"endpoint_id"`
	EventType       string `json:"event_type"`
	DeliveryStatus  string `json:"delivery_status"`
	StatusCode      int    `json:"status_code"`
	LatencyMS       int    `json:"latency_ms"`
	ResponseSnippet string `json:"response_snippet"`
	Error           string `json:"error"`
	CreatedAt       int64  `json:"created_at"`
}

// AttemptOut renders one delivery attempt.
func AttemptOut(at store.DeliveryAttempt) AttemptJSON {
	return AttemptJSON{Object: "webhook_attempt", ID: at.ID, DeliveryID: at.DeliveryID, MessageID: at.MessageID, EndpointID: at.EndpointID,
		EventType: at.EventType, DeliveryStatus: at.Status, StatusCode: at.StatusCode, LatencyMS: at.LatencyMS,
		ResponseSnippet: at.ResponseSnippet, Error: at.Error, CreatedAt: at.CreatedAt}
}
