package password

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"slices"
	"strings"
	"sync"
)

// The common-password list: 49,233 passwords from a public frequency list
// (data/NOTICE says where from; data/generate.sh rebuilds it).
//
//go:embed data/common-passwords.txt.gz
var commonGz []byte

var common = sync.OnceValue(func() []string {
	zr, err := gzip.NewReader(bytes.NewReader(commonGz))
	if err != nil {
		panic("password: embedded common-password list is corrupt: " + err.Error())
	}
	var list []string
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if w := sc.Text(); w != "" {
			list = append(list, w)
		}
	}
	if err := sc.Err(); err != nil {
		panic("password: embedded common-password list is corrupt: " + err.Error())
	}
	slices.Sort(list)
	return slices.Compact(list)
})

// IsCommon reports whether password (case-insensitively) is on the bundled
// list of commonly used passwords. The list loads on first use.
func IsCommon(password string) bool {
	_, found := slices.BinarySearch(common(), strings.ToLower(password))
	return found
}
