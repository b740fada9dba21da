package lan_test

import (
	"context"
	"log/slog"

	"github.com/cozypi/cozy/appliance/lan"
	"github.com/cozypi/cozy/appliance/systemd"
)

// The server's side: the instances and their app hosts come from the
// instance manager (inst.Domain, inst.AppHost(slug) for each installed
// app); the LAN DNS server takes cozy-dns.socket's sockets when systemd
// passed them; the claimed name goes to systemctl status.
func Example() {
	ctx := context.Background()
	sockets, err := systemd.ActivatedSockets()
	if err != nil {
		slog.Error("sockets", "err", err)
		return
	}
	dir := lan.DirectoryFunc(func(context.Context) ([]lan.Instance, error) {
		return []lan.Instance{{Domain: "cozy.local", AppHosts: []string{"cozy-drive.local"}}}, nil
	})
	cfg := lan.Config{
		Directory: dir,
		OnName:    func(name string) { _ = systemd.Status("reachable as " + name) },
	}
	if pcs, lns := sockets.PacketConns["dns"], sockets.Listeners["dns"]; len(pcs) > 0 && len(lns) > 0 {
		cfg.DNS = &lan.DNSConfig{PacketConn: pcs[0], Listener: lns[0]}
	}
	s, err := lan.Start(ctx, cfg)
	if err != nil {
		slog.Error("lan", "err", err)
		return
	}
	defer s.Close()
	// After an app is installed or an instance created:
	_ = s.Refresh(ctx)
}
