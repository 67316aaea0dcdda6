package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
)

// The diagnostic kernel speaks just enough of the Jupyter messaging protocol (version 5.3) to
// answer every cell with the reasons the real kernel could not start and how to fix them. It is
// what Jupyter talks to when `run` finds the setup broken, instead of a kernel that dies silently.

// connectionInfo is Jupyter's connection file.
type connectionInfo struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	IOPubPort       int    `json:"iopub_port"`
	StdinPort       int    `json:"stdin_port"`
	ControlPort     int    `json:"control_port"`
	HBPort          int    `json:"hb_port"`
	Key             string `json:"key"`
	SignatureScheme string `json:"signature_scheme"`
}

func (c connectionInfo) endpoint(port int) string {
	return fmt.Sprintf("%s://%s:%d", c.Transport, c.IP, port)
}

func readConnectionFile(path string) (connectionInfo, error) {
	var c connectionInfo
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("reading Jupyter's connection file: %w", err)
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("connection file %s: %w", path, err)
	}
	if c.Transport == "" {
		c.Transport = "tcp"
	}
	if c.SignatureScheme != "" && c.SignatureScheme != "hmac-sha256" {
		return c, fmt.Errorf("connection file %s: signature scheme %q is not supported (hmac-sha256 is)", path, c.SignatureScheme)
	}
	return c, nil
}

// jupyterMsg is one message of the protocol.
type jupyterMsg struct {
	Identities [][]byte
	Header     map[string]any
	Parent     map[string]any
	Metadata   map[string]any
	Content    map[string]any
}

const delimiter = "<IDS|MSG>"

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// diagKernel is the running diagnostic kernel.
type diagKernel struct {
	conn      connectionInfo
	session   string
	message   string // the text shown for every cell
	iopub     zmq4.Socket
	iopubMu   sync.Mutex
	execCount int
	done      chan struct{}
	closeOnce sync.Once
}

func (k *diagKernel) sign(parts ...[]byte) string {
	if k.conn.Key == "" {
		return ""
	}
	mac := hmac.New(sha256.New, []byte(k.conn.Key))
	for _, p := range parts {
		mac.Write(p)
	}
	return hex.EncodeToString(mac.Sum(nil))
}

// decode parses and authenticates the frames of a message received on a ROUTER socket.
func (k *diagKernel) decode(frames [][]byte) (jupyterMsg, error) {
	var m jupyterMsg
	i := 0
	for ; i < len(frames) && string(frames[i]) != delimiter; i++ {
		m.Identities = append(m.Identities, frames[i])
	}
	if len(frames) < i+6 {
		return m, fmt.Errorf("message with %d frames: no %s delimiter or parts missing", len(frames), delimiter)
	}
	sig, parts := string(frames[i+1]), frames[i+2:i+6]
	if want := k.sign(parts...); !hmac.Equal([]byte(sig), []byte(want)) {
		return m, fmt.Errorf("message with a bad signature")
	}
	for j, dst := range []*map[string]any{&m.Header, &m.Parent, &m.Metadata, &m.Content} {
		if err := json.Unmarshal(parts[j], dst); err != nil {
			return m, fmt.Errorf("message part %d: %w", j, err)
		}
	}
	return m, nil
}

// encode builds the frames of a new message of type msgType answering parent.
func (k *diagKernel) encode(identities [][]byte, msgType string, parent jupyterMsg, content map[string]any) [][]byte {
	header := map[string]any{
		"msg_id": newID(), "session": k.session, "username": "godl", "msg_type": msgType,
		"version": "5.3", "date": time.Now().UTC().Format(time.RFC3339Nano),
	}
	parentHeader := parent.Header
	if parentHeader == nil {
		parentHeader = map[string]any{}
	}
	var parts [4][]byte
	for j, v := range []any{header, parentHeader, map[string]any{}, content} {
		parts[j], _ = json.Marshal(v) // maps of JSON values always marshal
	}
	frames := append([][]byte{}, identities...)
	frames = append(frames, []byte(delimiter), []byte(k.sign(parts[:]...)))
	return append(frames, parts[:]...)
}

func (k *diagKernel) publish(msgType string, parent jupyterMsg, content map[string]any) {
	k.iopubMu.Lock()
	defer k.iopubMu.Unlock()
	_ = k.iopub.Send(zmq4.NewMsgFrom(k.encode([][]byte{[]byte(msgType)}, msgType, parent, content)...))
}

func (k *diagKernel) stop() { k.closeOnce.Do(func() { close(k.done) }) }

// reply answers one request; it returns the reply's type and content.
func (k *diagKernel) reply(m jupyterMsg) (string, map[string]any) {
	msgType, _ := m.Header["msg_type"].(string)
	base := strings.TrimSuffix(msgType, "_request")
	switch msgType {
	case "kernel_info_request":
		return base + "_reply", map[string]any{
			"status": "ok", "protocol_version": "5.3",
			"implementation": "godl-diagnostic", "implementation_version": "1",
			// The Go release this command was built with, as GoNB reports its own.
			"language_info": map[string]any{
				"name": "go", "version": runtime.Version(), "mimetype": "text/x-go", "file_extension": ".go",
			},
			"banner":     "Go (Deep Learning): diagnostic kernel. " + k.message,
			"help_links": []any{},
		}
	case "execute_request":
		k.execCount++
		code, _ := m.Content["code"].(string)
		k.publish("execute_input", m, map[string]any{"code": code, "execution_count": k.execCount})
		errContent := map[string]any{
			"ename": "KernelNotReady", "evalue": "the Go (Deep Learning) kernel is not installed correctly",
			"traceback": strings.Split(k.message, "\n"),
		}
		k.publish("error", m, errContent)
		reply := map[string]any{"status": "error", "execution_count": k.execCount}
		for key, v := range errContent {
			reply[key] = v
		}
		return base + "_reply", reply
	case "is_complete_request":
		return base + "_reply", map[string]any{"status": "complete"}
	case "complete_request":
		cursor, _ := m.Content["cursor_pos"].(float64)
		return base + "_reply", map[string]any{"status": "ok", "matches": []any{},
			"cursor_start": int(cursor), "cursor_end": int(cursor), "metadata": map[string]any{}}
	case "inspect_request":
		return base + "_reply", map[string]any{"status": "ok", "found": false,
			"data": map[string]any{}, "metadata": map[string]any{}}
	case "comm_info_request":
		return base + "_reply", map[string]any{"status": "ok", "comms": map[string]any{}}
	case "history_request":
		return base + "_reply", map[string]any{"status": "ok", "history": []any{}}
	case "interrupt_request":
		return base + "_reply", map[string]any{"status": "ok"}
	case "shutdown_request":
		restart, _ := m.Content["restart"].(bool)
		defer k.stop()
		return base + "_reply", map[string]any{"status": "ok", "restart": restart}
	}
	return "", nil // unknown requests get no reply, as the protocol allows
}

// serveRouter answers the requests that arrive on a shell or control socket.
func (k *diagKernel) serveRouter(sock zmq4.Socket) {
	for {
		raw, err := sock.Recv()
		if err != nil {
			select {
			case <-k.done:
			default:
				fmt.Fprintf(os.Stderr, "diagnostic kernel: receive: %v\n", err)
			}
			return
		}
		m, err := k.decode(raw.Frames)
		if err != nil {
			fmt.Fprintf(os.Stderr, "diagnostic kernel: ignoring %v\n", err)
			continue
		}
		k.publish("status", m, map[string]any{"execution_state": "busy"})
		if replyType, content := k.reply(m); replyType != "" {
			_ = sock.Send(zmq4.NewMsgFrom(k.encode(m.Identities, replyType, m, content)...))
		}
		k.publish("status", m, map[string]any{"execution_state": "idle"})
	}
}

// serveDiagnostic runs the diagnostic kernel on the connection file until Jupyter shuts it down.
func serveDiagnostic(connFile string, ps []problem) error {
	conn, err := readConnectionFile(connFile)
	if err != nil {
		return err
	}
	var msg strings.Builder
	msg.WriteString("The Go (Deep Learning) kernel cannot run cells on this machine:\n")
	for _, p := range ps {
		fmt.Fprintf(&msg, "  - %s\n", p)
	}
	msg.WriteString("Then check everything with `go run ./kernel doctor` in the repository.")
	return runDiagKernel(context.Background(), conn, msg.String())
}

// runDiagKernel binds the five sockets and serves until shutdown or ctx ends.
func runDiagKernel(ctx context.Context, conn connectionInfo, message string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	k := &diagKernel{conn: conn, session: newID(), message: message, done: make(chan struct{})}
	k.iopub = zmq4.NewPub(ctx)
	shell, control, stdin := zmq4.NewRouter(ctx), zmq4.NewRouter(ctx), zmq4.NewRouter(ctx)
	hb := zmq4.NewRep(ctx)
	socks := []struct {
		s    zmq4.Socket
		port int
		name string
	}{{k.iopub, conn.IOPubPort, "iopub"}, {shell, conn.ShellPort, "shell"}, {control, conn.ControlPort, "control"},
		{stdin, conn.StdinPort, "stdin"}, {hb, conn.HBPort, "heartbeat"}}
	for _, s := range socks {
		if err := s.s.Listen(conn.endpoint(s.port)); err != nil {
			return fmt.Errorf("diagnostic kernel: listening on the %s port %d: %w", s.name, s.port, err)
		}
		defer s.s.Close()
	}
	go func() { // heartbeat: echo
		for {
			m, err := hb.Recv()
			if err != nil {
				return
			}
			_ = hb.Send(m)
		}
	}()
	go k.serveRouter(shell)
	go k.serveRouter(control)
	select {
	case <-k.done:
		time.Sleep(100 * time.Millisecond) // let the shutdown reply leave
	case <-ctx.Done():
	}
	return nil
}
