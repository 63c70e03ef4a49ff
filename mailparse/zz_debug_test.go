package mailparse

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestZZDump(t *testing.T) {
	for _, f := range strings.Fields(os.Getenv("DUMP")) {
		b, _ := os.ReadFile(f)
		m, err := Parse(b, DefaultLimits())
		j, _ := json.MarshalIndent(m, "", " ")
		fmt.Println(f, err)
		fmt.Println(string(j))
		if os.Getenv("TEXT") != "" {
			fmt.Println("---TEXT---")
			fmt.Println(m.Text)
		}
	}
}
