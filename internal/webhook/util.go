package webhook

import "time"

func gatehouseTime(ms int64) time.Time { return time.UnixMilli(ms) }
