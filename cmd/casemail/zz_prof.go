package main

import (
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func init() {
	if p := os.Getenv("CASEMAIL_CPUPROFILE_TMP"); p != "" {
		f, _ := os.Create(p)
		pprof.StartCPUProfile(f)
		go func() {
			c := make(chan os.Signal, 1)
			signal.Notify(c, syscall.SIGUSR1)
			<-c
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
}
