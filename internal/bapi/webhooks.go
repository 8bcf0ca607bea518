package bapi

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
	"github.com/gatehouse/gatehouse/internal/webhook"
)

// Webhook endpoints are Gatehouse's own API (Clerk manages them through
// Svix's dashboard): /webhooks/endpoints, /webhooks/attempts and
// /webhooks/messages/{id}/replay.

func (a *API) webhookRoutes(h func(string, httpx.Handler)) {
	h("GET /webhooks/endpoints", a.listEndpoints)
	h("POST /webhooks/endpoints", a.createEndpoint)
	h("GET /webhooks/endpoints/{id}", a.getEndpoint)
	h("PATCH /webhooks/endpoints/{id}", a.updateEndpoint)
	h("DELETE /webhooks/endpoints/{id}", a.deleteEndpoint)
	h("GET /webhooks/endpoints/{id}/secret", a.endpointSecret)
	h("POST /webhooks/endpoints/{id}/rotate_secret", a.rotateEndpointSecret)
	h("POST /webhooks/endpoints/{id}/disable", a.setEndpointDisabled(true))
	h("POST /webhooks/endpoints/{id}/enable", a.setEndpointDisabled(false))
	h("POST /webhooks/endpoints/{id}/replay", a.replayEndpoint)
	h("GET /webhooks/attempts", a.listAttempts)
	h("POST /webhooks/messages/{id}/replay", a.replayMessage)
}

type endpointBody struct {
	URL         *string   `json:"url"`
	Description *string   `json:"description"`
	EventTypes  *[]string `json:"event_types"`
	Disabled    *bool     `json:"disabled"`
}

func (b endpointBody) params() webhook.EndpointParams {
	return webhook.EndpointParams{URL: b.URL, Description: b.Description, EventTypes: b.EventTypes, Disabled: b.Disabled}
}

func (a *API) listEndpoints(w http.ResponseWriter, r *http.Request) error {
	list, err := a.Webhooks.List(r.Context())
	if err != nil {
		return err
	}
	out := make([]webhook.EndpointJSON, len(list))
	for i, e := range list {
		out[i] = webhook.EndpointOut(e, false)
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"data": out, "total_count": len(out)})
	return nil
}

func (a *API) createEndpoint(w http.ResponseWriter, r *http.Request) error {
	var b endpointBody
	if err := httpx.Decode(r, &b); err != nil {
		return err
	}
	e, err := a.Webhooks.Create(r.Context(), b.params())
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, webhook.EndpointOut(e, true))
	return nil
}

func (a *API) getEndpoint(w http.ResponseWriter, r *http.Request) error {
	e, err := a.Webhooks.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, webhook.EndpointOut(e, false))
	return nil
}

func (a *API) endpointSecret(w http.ResponseWriter, r *http.Request) error {
	e, err := a.Webhooks.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"object": "webhook_endpoint_secret", "id": e.ID, "secret": e.Secret})
	return nil
}

func (a *API) updateEndpoint(w http.ResponseWriter, r *http.Request) error {
	var b endpointBody
	if err := httpx.Decode(r, &b); err != nil {
		return err
	}
	e, err := a.Webhooks.Update(r.Context(), r.PathValue("id"), b.params(), false)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, webhook.EndpointOut(e, false))
	return nil
}

func (a *API) rotateEndpointSecret(w http.ResponseWriter, r *http.Request) error {
	e, err := a.Webhooks.Update(r.Context(), r.PathValue("id"), webhook.EndpointParams{}, true)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, webhook.EndpointOut(e, true))
	return nil
}

func (a *API) setEndpointDisabled(disabled bool) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		e, err := a.Webhooks.Update(r.Context(), r.PathValue("id"), webhook.EndpointParams{Disabled: &disabled}, false)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, webhook.EndpointOut(e, false))
		return nil
	}
}

func (a *API) deleteEndpoint(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := a.Webhooks.Delete(r.Context(), id); err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"object": "webhook_endpoint", "id": id, "deleted": true})
	return nil
}

func (a *API) replayEndpoint(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Since *int64 `json:"since"`
	}
	if err := httpx.Decode(r, &b); err != nil {
		return err
	}
	if b.Since == nil {
		return gatehouse.ParamMissing("since")
	}
	if *b.Since < 0 {
		return gatehouse.ParamInvalid("since", "since must be a Unix time in milliseconds.")
	}
	n, err := a.Webhooks.ReplaySince(r.Context(), r.PathValue("id"), *b.Since)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"object": "webhook_replay", "queued": n})
	return nil
}

func (a *API) replayMessage(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		EndpointID *string `json:"endpoint_id"`
	}
	if r.ContentLength != 0 {
		if err := httpx.Decode(r, &b); err != nil {
			return err
		}
	}
	ep := ""
	if b.EndpointID != nil {
		ep = *b.EndpointID
	}
	n, err := a.Webhooks.ReplayMessage(r.Context(), r.PathValue("id"), ep)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"object": "webhook_replay", "queued": n})
	return nil
}

func (a *API) listAttempts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit := 100
	if err := paging(q, &limit, nil); err != nil {
		return err
	}
	ep, err := idParam(q, "endpoint_id", gatehouse.PrefixEndpoint)
	if err != nil {
		return err
	}
	msg, err := idParam(q, "message_id", gatehouse.PrefixMessage)
	if err != nil {
		return err
	}
	list, err := a.Webhooks.Attempts(r.Context(), ep, msg, limit)
	if err != nil {
		return err
	}
	out := make([]webhook.AttemptJSON, len(list))
	for i, at := range list {
		out[i] = webhook.AttemptOut(at)
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"data": out, "total_count": len(out)})
	return nil
}
