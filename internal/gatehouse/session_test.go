package gatehouse

import "testing"

func TestEffectiveStatus(t *testing.T) {
	abandon := int64(500)
	s := Session{Status: SessionActive, ExpireAt: 1000, AbandonAt: &abandon}
	for now, want := range map[int64]string{100: SessionActive, 500: SessionAbandoned, 999: SessionAbandoned, 1000: SessionExpired} {
		if got := s.EffectiveStatus(now); got != want {
			t.Errorf("at %d: %s, want %s", now, got, want)
		}
	}
	s.Status = SessionRevoked
	if s.EffectiveStatus(100) != SessionRevoked {
		t.Fatal("a revoked session must stay revoked")
	}
}
