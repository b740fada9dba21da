package apps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/pkg/store"
)

// Errors of the manager.
var (
	ErrNotFound        = errors.New("application not installed")                           // 404
	ErrExists          = errors.New("application already installed")                       // 409
	ErrBusy            = errors.New("an install or update of this application is running") // 409
	ErrInvalidSlug     = errors.New("invalid slug")                                        // 422
	ErrVersionNotFound = errors.New("this version is not available")                       // 412
)

// Opener gives an instance's document store and data directory;
// *instance.Manager is one.
type Opener interface {
	Store(inst *instance.Instance) (store.Store, error)
	Dir(inst *instance.Instance) string
}

// OAuthClients lists and deletes OAuth clients; *oauth.Service is one.
type OAuthClients interface {
	List(ctx context.Context, inst *instance.Instance) ([]*oauth.Client, error)
	Delete(ctx context.Context, inst *instance.Instance, id string) error
}

// Manager installs, updates and removes apps and konnectors.
type Manager struct {
	Stores  Opener
	Perms   *permstore.Store
	Clients OAuthClients // nil: no OAuth client is removed
	Fetcher *Fetcher
	Log     *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// DefaultApps are the web apps installed from the registries in
	// every new instance (InstallDefaults).
	DefaultApps []string
	// RetryMin and RetryMax bound the wait between two attempts of a
	// default app that could not be installed (no registry reachable);
	// zero means DefaultRetryMin and DefaultRetryMax.
	RetryMin, RetryMax time.Duration

	mu     sync.Mutex
	busy   map[string]bool
	wg     sync.WaitGroup
	ctx    context.Context // the background operations' context, cancelled by Close
	cancel context.CancelFunc
	closed bool
}

// ErrClosed is returned by Install and Update once the manager is closed.
var ErrClosed = errors.New("the application manager is shut down")

// Request asks for an install or an update.
type Request struct {
	Kind Kind
	Slug string
	// Source is where to fetch the package; "" means registry://slug/stable
	// for an install and the current source for an update.
	Source string
	// PermissionsAcked says the user accepted the package's permissions.
	// An update whose permissions differ from the installed ones is not
	// applied without it (the version is kept as available_version); an
	// install without it ends in state installed instead of ready.
	PermissionsAcked bool
}

// Op is an install or update running in the background.
type Op struct {
	// App is the document as the operation started (installing,
	// upgrading, or unchanged when nothing is to be done).
	App  *App
	done chan struct{}
	res  *App
	err  error
}

// Wait returns the document once the operation ended, and its error.
func (o *Op) Wait() (*App, error) {
	<-o.done
	return o.res, o.err
}

// Done is closed when the operation has ended.
func (o *Op) Done() <-chan struct{} { return o.done }

func finished(a *App, err error) *Op {
	o := &Op{App: a, done: make(chan struct{}), res: a, err: err}
	close(o.done)
	return o
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) log() *slog.Logger {
	if m.Log != nil {
		return m.Log
	}
	return slog.Default()
}

// Wait blocks until every background operation has ended.
func (m *Manager) Wait() { m.wg.Wait() }

// Close cancels the background operations (an install or update stopped
// half-way ends in state errored, or keeps its previous version serving),
// waits for them, and refuses new ones with ErrClosed.
func (m *Manager) Close() {
	m.mu.Lock()
	m.closed = true
	m.background()
	m.cancel()
	m.mu.Unlock()
	m.wg.Wait()
}

// background returns the context of the background operations; called
// with m.mu held.
func (m *Manager) background() context.Context {
	if m.ctx == nil {
		m.ctx, m.cancel = context.WithCancel(context.Background())
	}
	return m.ctx
}

func (m *Manager) lock(inst *instance.Instance, k Kind, slug string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	key := inst.ID + "/" + DocID(k, slug)
	if m.busy[key] {
		return fmt.Errorf("%w: %s", ErrBusy, slug)
	}
	if m.busy == nil {
		m.busy = map[string]bool{}
	}
	m.busy[key] = true
	return nil
}

func (m *Manager) unlock(inst *instance.Instance, k Kind, slug string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.busy, inst.ID+"/"+DocID(k, slug))
}

// PackageDir is the directory holding the versions of a package.
func (m *Manager) PackageDir(inst *instance.Instance, k Kind, slug string) string {
	return filepath.Join(m.Stores.Dir(inst), string(k)+"s", slug)
}

// Root returns the directory of the serving files of a.
func (m *Manager) Root(inst *instance.Instance, a *App) string {
	return filepath.Join(m.PackageDir(inst, a.Kind(), a.Slug), a.Dir)
}

func (m *Manager) db(inst *instance.Instance, k Kind) (store.DB, error) {
	st, err := m.Stores.Store(inst)
	if err != nil {
		return nil, fmt.Errorf("apps: %w", err)
	}
	return st.DB(k.Doctype()), nil
}

// Get returns the document of an installed package.
func (m *Manager) Get(ctx context.Context, inst *instance.Instance, k Kind, slug string) (*App, error) {
	if !ValidSlug(slug) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, slug)
	}
	db, err := m.db(inst, k)
	if err != nil {
		return nil, err
	}
	doc, err := db.Get(ctx, DocID(k, slug), store.GetOptions{})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, slug)
	}
	if err != nil {
		return nil, fmt.Errorf("apps: get %s: %w", slug, err)
	}
	var a App
	if err := json.Unmarshal(doc.Body, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// List returns up to limit packages of kind k from startKey (a document
// id) on, and the id of the next one ("" at the end).
func (m *Manager) List(ctx context.Context, inst *instance.Instance, k Kind, startKey string, limit int) ([]*App, string, error) {
	db, err := m.db(inst, k)
	if err != nil {
		return nil, "", err
	}
	opts := store.AllDocsOptions{IncludeDocs: true, InclusiveEnd: true, ExcludeDesignDocs: true, Limit: limit + 1}
	if startKey != "" {
		opts.StartKey = &startKey
	}
	res, err := db.AllDocs(ctx, opts)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("apps: list: %w", err)
	}
	var out []*App
	next := ""
	for i, row := range res.Rows {
		if i == limit {
			next = row.ID
			break
		}
		if row.Doc == nil {
			continue
		}
		var a App
		if err := json.Unmarshal(row.Doc, &a); err != nil {
			return nil, "", err
		}
		out = append(out, &a)
	}
	return out, next, nil
}

// put writes a's document and updates its revision.
func (m *Manager) put(ctx context.Context, inst *instance.Instance, a *App) error {
	db, err := m.db(inst, a.Kind())
	if err != nil {
		return err
	}
	a.UpdatedAt = m.now().UTC()
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("apps: encode %s: %w", a.Slug, err)
	}
	res, err := db.Put(ctx, store.Doc{ID: a.DocID, Rev: a.Rev, Body: body}, store.PutOptions{})
	if errors.Is(err, store.ErrNotFound) && a.Rev == "" {
		if cerr := db.Create(ctx); cerr != nil && !errors.Is(cerr, store.ErrExists) {
			return fmt.Errorf("apps: create %s: %w", a.Kind().Doctype(), cerr)
		}
		res, err = db.Put(ctx, store.Doc{ID: a.DocID, Body: body}, store.PutOptions{})
	}
	if err != nil {
		return fmt.Errorf("apps: write %s: %w", a.Slug, err)
	}
	a.Rev = res.Rev
	return nil
}

// staged is a fetched, validated package waiting in a staging directory.
type staged struct {
	dir      string // the staging directory, removed at the end
	root     string // where the package's files are inside it
	manifest *Manifest
	fetched  *Fetched
}

// stage fetches and validates a package into a staging directory of the
// package's directory (same file system, so the swap is a rename).
func (m *Manager) stage(ctx context.Context, inst *instance.Instance, k Kind, slug, source string) (*staged, error) {
	src, err := ParseSource(source)
	if err != nil {
		return nil, err
	}
	pkg := m.PackageDir(inst, k, slug)
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		return nil, fmt.Errorf("apps: %w", err)
	}
	dir, err := os.MkdirTemp(pkg, ".staging-")
	if err != nil {
		return nil, fmt.Errorf("apps: %w", err)
	}
	s := &staged{dir: dir}
	fail := func(err error) (*staged, error) {
		s.cleanup()
		removeIfEmpty(pkg)
		return nil, err
	}
	raw := filepath.Join(dir, "raw")
	if err := os.Mkdir(raw, 0o755); err != nil {
		return fail(fmt.Errorf("apps: %w", err))
	}
	if s.fetched, err = m.Fetcher.Fetch(ctx, src, raw); err != nil {
		return fail(err)
	}
	s.root = raw
	if _, err := os.Stat(filepath.Join(raw, k.ManifestName())); err != nil {
		// A tarball often holds one top directory.
		entries, _ := os.ReadDir(raw)
		if len(entries) == 1 && entries[0].IsDir() {
			s.root = filepath.Join(raw, entries[0].Name())
		}
	}
	data, err := ReadIn(s.root, k.ManifestName(), MaxManifestSize)
	if err != nil {
		return fail(fmt.Errorf("%w: no %s in the package: %w", ErrManifest, k.ManifestName(), err))
	}
	if s.manifest, err = ParseManifest(data, k); err != nil {
		return fail(err)
	}
	return s, nil
}

func (s *staged) cleanup() {
	if s != nil && s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}

func removeIfEmpty(dir string) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) == 0 {
		_ = os.Remove(dir)
	}
}

// commit moves the staged files to a new version directory and returns
// its name.
func (m *Manager) commit(inst *instance.Instance, k Kind, slug string, s *staged) (string, error) {
	name := s.manifest.Version + "-" + ident.Hex(4)
	if err := os.Rename(s.root, filepath.Join(m.PackageDir(inst, k, slug), name)); err != nil {
		return "", fmt.Errorf("apps: swap in %s: %w", slug, err)
	}
	return name, nil
}

func (m *Manager) checkRequest(req *Request) error {
	if req.Kind != Webapp && req.Kind != Konnector {
		return fmt.Errorf("apps: unknown kind %q", req.Kind)
	}
	if !ValidSlug(req.Slug) {
		return fmt.Errorf("%w: %q", ErrInvalidSlug, req.Slug)
	}
	return nil
}

// Install fetches and validates a package, then installs it in the
// background. Every error of the fetch and validation is returned here,
// with nothing stored; a failure after (moving files, writing the
// permission) ends in state errored.
func (m *Manager) Install(ctx context.Context, inst *instance.Instance, req Request) (*Op, error) {
	if err := m.checkRequest(&req); err != nil {
		return nil, err
	}
	if err := m.lock(inst, req.Kind, req.Slug); err != nil {
		return nil, err
	}
	unlock := true
	defer func() {
		if unlock {
			m.unlock(inst, req.Kind, req.Slug)
		}
	}()
	if _, err := m.Get(ctx, inst, req.Kind, req.Slug); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrExists, req.Slug)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if req.Source == "" {
		req.Source = "registry://" + req.Slug + "/stable"
	}
	s, err := m.stage(ctx, inst, req.Kind, req.Slug, req.Source)
	if err != nil {
		return nil, err
	}
	now := m.now().UTC()
	a := &App{Manifest: *s.manifest, DocID: DocID(req.Kind, req.Slug), Slug: req.Slug, State: Installing,
		Source: req.Source, Checksum: s.fetched.Checksum, CreatedAt: now}
	if s.fetched.Registry != nil {
		a.RegistryURL = s.fetched.Registry.URL
	}
	if err := m.put(ctx, inst, a); err != nil {
		s.cleanup()
		return nil, err
	}
	unlock = false
	return m.start(inst, req, a, s, func(ctx context.Context) error {
		return m.finishInstall(ctx, inst, a, s, req.PermissionsAcked)
	}), nil
}

func (m *Manager) finishInstall(ctx context.Context, inst *instance.Instance, a *App, s *staged, acked bool) error {
	dir, err := m.commit(inst, a.Kind(), a.Slug, s)
	if err == nil {
		a.Dir = dir
		err = m.putPermission(ctx, inst, a)
	}
	if err != nil {
		a.State, a.Error = Errored, err.Error()
		if perr := m.put(ctx, inst, a); perr != nil {
			m.log().Error("apps: record failed install", "slug", a.Slug, "err", perr)
		}
		return err
	}
	a.State = Ready
	if !acked {
		a.State = Installed
	}
	if err := m.put(ctx, inst, a); err != nil {
		return err
	}
	m.log().Info("apps: installed", "instance", inst.Domain, "slug", a.Slug, "version", a.Version())
	return nil
}

// putPermission writes the permission document of a, even without rules:
// it is what makes the app's tokens valid.
func (m *Manager) putPermission(ctx context.Context, inst *instance.Instance, a *App) error {
	typ, id := permission.TypeApp, permstore.AppID(a.Slug)
	if a.Kind() == Konnector {
		typ, id = permission.TypeKonnector, permstore.KonnectorID(a.Slug)
	}
	old, err := m.Perms.Get(ctx, inst, id)
	if err != nil && !errors.Is(err, permstore.ErrNotFound) {
		return err
	}
	p := &permission.Permission{ID: id, Type: typ, SourceID: id, Rules: a.Manifest.Permissions}
	if old != nil {
		p.Rev, p.CreatedAt = old.Rev, old.CreatedAt
	}
	if err := m.Perms.Put(ctx, inst, p); err != nil {
		return fmt.Errorf("apps: permissions of %s: %w", a.Slug, err)
	}
	return nil
}

// samePermissions reports whether two rule sets grant the same.
func samePermissions(a, b permission.Set) bool {
	key := func(s permission.Set) []string {
		out := make([]string, len(s))
		for i, r := range s {
			out[i] = r.String()
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(a), key(b))
}

// Update fetches and validates a new version, then swaps it in in the
// background: until the swap, the installed version keeps serving, and a
// failure leaves it serving (with the error recorded on the document).
func (m *Manager) Update(ctx context.Context, inst *instance.Instance, req Request) (*Op, error) {
	if err := m.checkRequest(&req); err != nil {
		return nil, err
	}
	if err := m.lock(inst, req.Kind, req.Slug); err != nil {
		return nil, err
	}
	unlock := true
	defer func() {
		if unlock {
			m.unlock(inst, req.Kind, req.Slug)
		}
	}()
	a, err := m.Get(ctx, inst, req.Kind, req.Slug)
	if err != nil {
		return nil, err
	}
	if req.Source == "" {
		req.Source = a.Source
	}
	s, err := m.stage(ctx, inst, req.Kind, req.Slug, req.Source)
	if err != nil {
		return nil, err
	}
	if !req.PermissionsAcked && !samePermissions(a.Manifest.Permissions, s.manifest.Permissions) {
		s.cleanup()
		a.AvailableVersion = s.manifest.Version
		if err := m.put(ctx, inst, a); err != nil {
			return nil, err
		}
		return finished(a, nil), nil
	}
	prevState := a.State
	if prevState == Installed && req.PermissionsAcked {
		prevState = Ready
	}
	a.State, a.Error = Upgrading, ""
	if err := m.put(ctx, inst, a); err != nil {
		s.cleanup()
		return nil, err
	}
	unlock = false
	return m.start(inst, req, a, s, func(ctx context.Context) error {
		return m.finishUpdate(ctx, inst, a, s, req.Source, prevState)
	}), nil
}

func (m *Manager) finishUpdate(ctx context.Context, inst *instance.Instance, a *App, s *staged, source string, prevState State) error {
	dir, err := m.commit(inst, a.Kind(), a.Slug, s)
	if err == nil {
		next := *a
		next.Manifest = *s.manifest
		if err = m.putPermission(ctx, inst, &next); err != nil {
			_ = os.RemoveAll(filepath.Join(m.PackageDir(inst, a.Kind(), a.Slug), dir))
		}
	}
	if err != nil {
		a.State, a.Error = prevState, err.Error()
		if prevState == Errored || a.Dir == "" {
			a.State = Errored
		}
		if perr := m.put(ctx, inst, a); perr != nil {
			m.log().Error("apps: record failed update", "slug", a.Slug, "err", perr)
		}
		return err
	}
	oldPrev := a.PrevDir
	if a.Dir != "" {
		a.PrevDir, a.PrevVersion = a.Dir, a.Version()
	}
	a.Manifest, a.Dir, a.Source, a.Checksum = *s.manifest, dir, source, s.fetched.Checksum
	a.RegistryURL = ""
	if s.fetched.Registry != nil {
		a.RegistryURL = s.fetched.Registry.URL
	}
	a.State, a.AvailableVersion = prevState, ""
	if a.State == Errored {
		a.State = Ready
	}
	if err := m.put(ctx, inst, a); err != nil {
		return err
	}
	if oldPrev != "" && oldPrev != a.PrevDir {
		_ = os.RemoveAll(filepath.Join(m.PackageDir(inst, a.Kind(), a.Slug), oldPrev))
	}
	m.log().Info("apps: updated", "instance", inst.Domain, "slug", a.Slug, "version", a.Version())
	return nil
}

// Uninstall removes a package: its document, its permission document, its
// OAuth clients and its files.
func (m *Manager) Uninstall(ctx context.Context, inst *instance.Instance, k Kind, slug string) (*App, error) {
	if !ValidSlug(slug) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, slug)
	}
	if err := m.lock(inst, k, slug); err != nil {
		return nil, err
	}
	defer m.unlock(inst, k, slug)
	a, err := m.Get(ctx, inst, k, slug)
	if err != nil {
		return nil, err
	}
	db, err := m.db(inst, k)
	if err != nil {
		return nil, err
	}
	if _, err := db.Delete(ctx, a.DocID, a.Rev); err != nil {
		return nil, fmt.Errorf("apps: delete %s: %w", slug, err)
	}
	permID := permstore.AppID(slug)
	if k == Konnector {
		permID = permstore.KonnectorID(slug)
	}
	var errs []error
	if err := m.Perms.Delete(ctx, inst, permID, ""); err != nil && !errors.Is(err, permstore.ErrNotFound) {
		errs = append(errs, err)
	}
	if m.Clients != nil {
		clients, err := m.Clients.List(ctx, inst)
		if err != nil {
			errs = append(errs, err)
		}
		for _, c := range clients {
			if c.SoftwareID == "registry://"+slug || c.SoftwareID == DocID(k, slug) {
				if err := m.Clients.Delete(ctx, inst, c.ID); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	if err := os.RemoveAll(m.PackageDir(inst, k, slug)); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return a, fmt.Errorf("apps: uninstall %s: %w", slug, err)
	}
	return a, nil
}

// start runs the end of an install or update in the background, with the
// app's lock held until it is over, and returns the operation to wait on.
// The manager owns the goroutine: Close cancels its context and waits for
// it. The operation outlives the request that started it, so it keeps
// nothing of the request's context.
func (m *Manager) start(inst *instance.Instance, req Request, a *App, s *staged, finish func(context.Context) error) *Op {
	first := *a
	op := &Op{App: &first, done: make(chan struct{})}
	m.mu.Lock()
	bg, closed := m.background(), m.closed
	if !closed {
		m.wg.Add(1)
	}
	m.mu.Unlock()
	run, stop := context.WithCancel(bg)
	work := func() {
		if !closed {
			defer m.wg.Done()
		}
		defer stop()
		// Deferred calls run last first: unlock before waking the waiters,
		// so that what they do next (uninstall, update) is not refused as busy.
		defer close(op.done)
		defer m.unlock(inst, req.Kind, req.Slug)
		defer s.cleanup()
		op.res, op.err = a, finish(run)
	}
	if closed {
		// Closed since the lock was taken: Close no longer waits, so the
		// end runs here, with its context already cancelled.
		work()
		return op
	}
	go work()
	return op
}
