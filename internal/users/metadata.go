package users

import (
	"encoding/json"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// MaxMetadataBytes bounds each metadata field once encoded (Clerk allows 8 KB).
const MaxMetadataBytes = 8 * 1024

// DeepMerge merges patch into base and returns the result, as Clerk's
// PATCH /users/{id}/metadata does: nested objects merge recursively and a
// null value deletes the key at any depth. base is not modified.
func DeepMerge(base, patch map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(patch))
	for k, v := range base {
		out[k] = v
	}
	for k, pv := range patch {
		if pv == nil {
			delete(out, k)
			continue
		}
		pm, pIsMap := pv.(map[string]any)
		bm, bIsMap := out[k].(map[string]any)
		if pIsMap && bIsMap {
			out[k] = DeepMerge(bm, pm)
			continue
		}
		if pIsMap {
			out[k] = DeepMerge(nil, pm) // drop nulls inside a new object too
			continue
		}
		out[k] = pv
	}
	return out
}

// checkMetadata enforces the size bound on one metadata field.
func checkMetadata(param string, m map[string]any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return gatehouse.ParamInvalid(param, param+" must be a JSON object.")
	}
	if len(b) > MaxMetadataBytes {
		return gatehouse.Err(gatehouse.CodeParamValueInvalid).Msg("is too large").
			Longf("%s must be at most 8 KB when encoded as JSON (got %d bytes).", param, len(b))
	}
	return nil
}
