// A server that detaches with Go's os/exec as commonly done for a command
// that must outlive the server: Setsid in SysProcAttr, Start, then Release
// (the server does not Wait). One JSON argv per line on stdin, one line
// back: the PID, or "error: ...". With --latency: the latency mode described
// in latency.h (bench/report.sh), with the same exec.Command, Setsid, Start.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

func detach(argv []string) string {
	if len(argv) == 0 {
		return "error: empty argv"
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return "error: " + err.Error()
	}
	pid := cmd.Process.Pid
	cmd.Process.Release()
	return fmt.Sprint(pid)
}

// latency runs the latency mode: args are MIB REGIME SECONDS PROGRAM.
func latency(args []string) int {
	if len(args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: go_shim --latency MIB loop|isolated SECONDS PROGRAM")
		return 1
	}
	mib, err1 := strconv.Atoi(args[0])
	seconds, err2 := strconv.ParseFloat(args[2], 64)
	isolated := args[1] == "isolated"
	if err1 != nil || err2 != nil || mib < 0 || (!isolated && args[1] != "loop") {
		fmt.Fprintln(os.Stderr, "latency: bad arguments")
		return 1
	}
	ballast := make([]byte, mib<<20)
	for i := 0; i < len(ballast); i += 4096 {
		ballast[i] = 1 // resident now
	}
	const warmup, least, most = 3, 10, 300
	samples := make([]int64, 0, most)
	deadline := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	for i := 0; i < warmup+most; i++ {
		if i >= warmup+least && time.Now().After(deadline) {
			break
		}
		cmd := exec.Command(args[3])
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		t0 := time.Now()
		err := cmd.Start()
		elapsed := time.Since(t0)
		if err != nil {
			fmt.Fprintln(os.Stderr, "exec.Cmd.Start:", err)
			return 1
		}
		if i >= warmup {
			samples = append(samples, elapsed.Nanoseconds())
		}
		if isolated {
			cmd.Wait()
			time.Sleep(2 * time.Millisecond)
		} else {
			go cmd.Wait() // reaped when it exits, as a server would
		}
	}
	out := bufio.NewWriter(os.Stdout)
	for _, s := range samples {
		fmt.Fprintln(out, s)
	}
	out.Flush()
	runtime.KeepAlive(ballast)
	return 0
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--latency" {
		os.Exit(latency(os.Args[2:]))
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var argv []string
		reply := ""
		if err := json.Unmarshal(in.Bytes(), &argv); err != nil {
			reply = "error: " + err.Error()
		} else {
			reply = detach(argv)
		}
		fmt.Println(reply)
	}
}
