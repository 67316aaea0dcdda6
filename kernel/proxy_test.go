package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The ports GoNB gets lie below the ephemeral range (where outgoing connections take their
// source ports), are distinct and free.
func TestPrivateConnectionPorts(t *testing.T) {
	low, high := privatePortRange()
	if high-low != 8192 || low < 1024 {
		t.Fatalf("privatePortRange() = [%d, %d)", low, high)
	}
	back, err := privateConnection(connectionInfo{Key: "k", SignatureScheme: "hmac-sha256"})
	if err != nil {
		t.Fatal(err)
	}
	ports := []int{back.ShellPort, back.IOPubPort, back.StdinPort, back.ControlPort, back.HBPort}
	seen := map[int]bool{}
	for _, p := range ports {
		if p < low || p >= high || seen[p] {
			t.Fatalf("ports %v: want 5 distinct ports in [%d, %d)", ports, low, high)
		}
		seen[p] = true
	}
	if back.Key != "k" || back.IP != "127.0.0.1" || back.Transport != "tcp" {
		t.Fatalf("connection %+v does not keep the frontend's key on the loopback", back)
	}
}

// A GoNB that exits before listening (as when another process took one of its ports) is
// started again on other ports; one that never listens is reported after the last try.
func TestStartGoNBRetriesAGoNBThatExitsAtStart(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is needed for the fake GoNB")
	}
	if _, ok := listeningPorts(); !ok {
		t.Skip("no /proc/net/tcp")
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "started-once")
	// The fake GoNB: the first start exits with GoNB's message; later ones listen on the five
	// ports of the connection file given after --kernel, then wait.
	fake := filepath.Join(dir, "fake-gonb")
	script := `#!` + python + `
import json, os, socket, sys, time
conn = json.load(open(sys.argv[sys.argv.index("--kernel") + 1]))
marker = ` + "`" + `MARKER` + "`" + `
if not os.path.exists(marker):
    open(marker, "w").close()
    sys.exit("zmq4: could not listen: bind: address already in use")
socks = []
for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
    s = socket.socket(); s.bind(("127.0.0.1", conn[k])); s.listen(); socks.append(s)
time.sleep(30)
`
	script = strings.Replace(script, "`MARKER`", `"`+marker+`"`, 1)
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	front := connectionInfo{Key: "k", SignatureScheme: "hmac-sha256"}
	frontFile := "/run/jupyter/kernel-0a1b2c3d-4e5f.json"
	cmd, back, exited, err := startGoNB([]string{fake, "--kernel", frontFile}, frontFile, front, dir, 3)
	if err != nil {
		t.Fatalf("startGoNB: %v", err)
	}
	defer func() { _ = cmd.Process.Kill(); <-exited }()
	if _, err := os.Stat(marker); err != nil {
		t.Fatal("the first start did not run")
	}
	// GoNB's file keeps the frontend's name: GoNB reads Jupyter's kernel id from it.
	data, err := os.ReadFile(filepath.Join(dir, "2", "kernel-0a1b2c3d-4e5f.json"))
	if err != nil {
		t.Fatalf("the second start's connection file: %v", err)
	}
	var second connectionInfo
	if err := json.Unmarshal(data, &second); err != nil || second != back {
		t.Fatalf("returned connection %+v is not the second start's %+v (%v)", back, second, err)
	}
	listening, _ := listeningPorts()
	if !listening[back.ShellPort] || !listening[back.HBPort] {
		t.Fatalf("GoNB's ports %+v are not listening", back)
	}

	// A GoNB that always exits: an error after the tries, naming GoNB.
	start := time.Now()
	_, _, _, err = startGoNB([]string{"/bin/false", "--kernel", "FRONT"}, "FRONT", front, t.TempDir(), 2)
	if err == nil || !strings.Contains(err.Error(), "GoNB did not start after 2 tries") {
		t.Fatalf("startGoNB(/bin/false) = %v, want an error after 2 tries", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("an exiting GoNB took %v to be reported", time.Since(start))
	}
}
