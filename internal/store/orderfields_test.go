package store

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

func TestOrderColumnsCoverDomainFields(t *testing.T) {
	if len(orderColumns) != len(gatehouse.UserOrderFields) {
		t.Fatalf("orderColumns has %d fields, gatehouse.UserOrderFields %d", len(orderColumns), len(gatehouse.UserOrderFields))
	}
	for _, f := range gatehouse.UserOrderFields {
		if _, ok := orderColumns[f]; !ok {
			t.Errorf("no column for order field %q", f)
		}
	}
}
