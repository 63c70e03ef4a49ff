//go:build race

package mailparse

// slowdown scales the time guards: the race detector makes code 5-10x
// slower, and a guard is for runaway cost, not for the detector.
const slowdown = 10
