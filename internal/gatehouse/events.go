package gatehouse

// Event is the type of a webhook event (Clerk's names). Events are public
// API like codes: subscribers filter on them. Emit sites name one of the
// constants below, never a string literal (a test checks).
type Event string

// The events Gatehouse emits; docs/webhooks.md describes their payloads.
const (
	EventUserCreated    Event = "user.created"
	EventUserUpdated    Event = "user.updated"
	EventUserDeleted    Event = "user.deleted"
	EventSessionCreated Event = "session.created"
	EventSessionEnded   Event = "session.ended"
	EventSessionRemoved Event = "session.removed"
	EventSessionRevoked Event = "session.revoked"
	EventEmailCreated   Event = "email.created"
)

// Events returns every event Gatehouse emits, in a stable order.
func Events() []Event {
	return []Event{EventUserCreated, EventUserUpdated, EventUserDeleted, EventSessionCreated, EventSessionEnded,
		EventSessionRemoved, EventSessionRevoked, EventEmailCreated}
}

// SessionEvent is the event for a session entering status (ended, removed
// or revoked); ok is false for any other status.
func SessionEvent(status string) (ev Event, ok bool) {
	switch status {
	case SessionEnded:
		return EventSessionEnded, true
	case SessionRemoved:
		return EventSessionRemoved, true
	case SessionRevoked:
		return EventSessionRevoked, true
	}
	return "", false
}
