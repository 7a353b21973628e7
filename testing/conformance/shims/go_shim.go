// A server that detaches with Go's os/exec as commonly done for a command
// that must outlive the server: Setsid in SysProcAttr, Start, then Release
// (the server does not Wait). One JSON argv per line on stdin, one line
// back: the PID, or "error: ...".
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"syscall"
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

func main() {
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
