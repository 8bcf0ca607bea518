package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Limiter whose counters live in Redis, shared by every node
// pointing at it. Time comes from the Redis server, so node clocks do not
// matter. Both window buckets of a key share a hash tag.
type Redis struct {
	Client *redis.Client
	Prefix string // "gatehouse:rl:" when empty
}

// NewRedis connects to url (redis://[user:pass@]host:6379/db or rediss://)
// and checks that the server answers.
func NewRedis(ctx context.Context, url string) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("invalid Redis URL: %w", err)
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = 2*time.Second, time.Second, time.Second
	c := redis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("connect to Redis at %s: %w", opts.Addr, err)
	}
	return &Redis{Client: c}, nil
}

// KEYS[1] = key base; ARGV = window ms, limit. Returns {allowed, prev, cur, elapsed ms}.
var allowScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local w = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local idx = math.floor(now / w)
local e = now - idx * w
local ck = KEYS[1] .. ':' .. idx
local cur = tonumber(redis.call('GET', ck) or '0')
local prev = tonumber(redis.call('GET', KEYS[1] .. ':' .. (idx - 1)) or '0')
if math.ceil(prev * (1 - e / w) - 1e-9) + cur >= limit then
  return {0, prev, cur, e}
end
redis.call('INCR', ck)
redis.call('PEXPIRE', ck, 2 * w)
return {1, prev, cur + 1, e}
`)

// Allow implements Limiter.
func (l *Redis) Allow(ctx context.Context, rule Rule, key string) (Decision, error) {
	prefix := l.Prefix
	if prefix == "" {
		prefix = "gatehouse:rl:"
	}
	base := prefix + "{" + rule.Name + ":" + key + "}"
	res, err := allowScript.Run(ctx, l.Client, []string{base}, rule.Window.Milliseconds(), rule.Limit).Int64Slice()
	if err != nil || len(res) != 4 {
		return Decision{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if res[0] == 1 {
		return Decision{Allowed: true}, nil
	}
	return Decision{RetryAfter: retryAfter(res[1], res[2], rule.Limit, time.Duration(res[3])*time.Millisecond, rule.Window)}, nil
}

// Close closes the connection pool.
func (l *Redis) Close() error { return l.Client.Close() }

// quietLogger drops go-redis's own log lines: failures reach callers as
// errors, which Policy logs once per refused request.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

func init() { redis.SetLogger(quietLogger{}) }
