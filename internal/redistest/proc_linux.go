package redistest

import (
	"os"
	"os/exec"
	"syscall"
)

// setProcAttr puts redis-server in a process group of its own and has the
// kernel kill it if the test binary dies before its cleanup.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func killProcess(cmd *exec.Cmd) error {
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

var sigStop, sigCont os.Signal = syscall.SIGSTOP, syscall.SIGCONT
