package dynamotest

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts the JVM in a process group of its own and has the kernel
// kill it if the test binary dies without calling Main's cleanup.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func killProcess(cmd *exec.Cmd) error {
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
