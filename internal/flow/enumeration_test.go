package flow

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// draws is a fixed pseudo-random stream per key, for testing jumpBucket.
func draws(key int) func(i int) uint64 {
	return func(i int) uint64 {
		h := sha256.Sum256(fmt.Appendf(nil, "%d/%d", key, i))
		return binary.BigEndian.Uint64(h[:8])
	}
}

// jumpBucket stays in [0, n), spreads keys evenly, and when n grows a key
// either stays or moves to one of the new buckets — never between old ones.
func TestJumpBucket(t *testing.T) {
	const keys = 4000
	for _, n := range []int64{0, 1, 2, 7, 1000, 86400 * 365} {
		for k := range keys {
			if b := jumpBucket(n, draws(k)); b < 0 || (n > 0 && b >= n) || (n <= 0 && b != 0) {
				t.Fatalf("n=%d key %d: bucket %d", n, k, b)
			}
		}
	}
	const n = 1000
	var deciles [10]int
	moved := 0
	for k := range keys {
		b := jumpBucket(n, draws(k))
		deciles[b*10/n]++
		after := jumpBucket(n+10, draws(k))
		if after != b {
			moved++
			if after < n {
				t.Fatalf("key %d moved from bucket %d to old bucket %d", k, b, after)
			}
		}
	}
	for i, c := range deciles {
		if c < keys/10*7/10 || c > keys/10*13/10 {
			t.Errorf("decile %d holds %d of %d keys; want about %d", i, c, keys, keys/10)
		}
	}
	// Growing from 1000 to 1010 buckets moves about 1% of keys.
	if moved > keys*3/100 {
		t.Errorf("%d of %d keys moved when n grew by 1%%", moved, keys)
	}
}

// On an instance a year old, phantom ids claim creation seconds spread over
// the year, never before the instance or in the future, and a probe a
// minute later sees the same id for nearly every address.
func TestPhantomEmailIDTimes(t *testing.T) {
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := gatehouse.NewFakeClock(created.Add(365 * 24 * time.Hour))
	e := New(Options{Clock: clock, PhantomKey: []byte("0123456789abcdef0123456789abcdef"), InstanceCreatedAt: created.UnixMilli()})
	const addrs = 2000
	var halves [2]int
	first := make([]string, addrs)
	for i := range addrs {
		id := e.phantomEmailID(fmt.Sprintf("user%d@example.com", i))
		first[i] = id
		sec, ok := gatehouse.IDTime(gatehouse.PrefixIdentification, id)
		if !ok || int64(sec) < created.Unix() || int64(sec) > clock.Now().Unix() {
			t.Fatalf("%s claims second %d, outside [%d, %d]", id, sec, created.Unix(), clock.Now().Unix())
		}
		halves[(int64(sec)-created.Unix())*2/(clock.Now().Unix()-created.Unix())]++
	}
	if halves[0] < addrs*4/10 || halves[1] < addrs*4/10 {
		t.Errorf("creation times split %v between the year's halves; want about even", halves)
	}
	clock.Advance(time.Minute)
	changed := 0
	for i := range addrs {
		if e.phantomEmailID(fmt.Sprintf("user%d@example.com", i)) != first[i] {
			changed++
		}
	}
	if changed > 2 {
		t.Errorf("%d of %d phantom ids changed within a minute", changed, addrs)
	}
	other := New(Options{Clock: clock, PhantomKey: []byte("another key, another deployment!"), InstanceCreatedAt: created.UnixMilli()})
	if other.phantomEmailID("user1@example.com") == e.phantomEmailID("user1@example.com") {
		t.Error("two keys derive the same phantom id")
	}
}
