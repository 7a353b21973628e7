package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
)

func main() {
	// On failure, err.(*exec.ExitError).Stderr holds reaper's one-line reason.
	out, err := exec.Command("reaper", "--json", "--", "sleep", "30").Output()
	if err != nil {
		panic(err)
	}
	var worker struct {
		Pid    int    `json:"pid"`
		Target string `json:"target"` // for reaper status/stop/wait
	}
	if err := json.Unmarshal(out, &worker); err != nil {
		panic(err)
	}
	fmt.Println(worker.Pid, worker.Target)
}
