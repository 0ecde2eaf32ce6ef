//go:build unix

package browsertest

import (
	"os/exec"
	"syscall"
)

// killGroup starts cmd in a process group of its own and makes the context's
// cancellation kill the whole group, so a Chromium that node started does not
// outlive a killed script.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
