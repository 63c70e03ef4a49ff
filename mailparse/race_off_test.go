//go:build !race

package mailparse

// slowdown scales the time guards (see race_on_test.go).
const slowdown = 1
