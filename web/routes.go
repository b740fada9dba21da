package web

import (
	"github.com/cozypi/cozy/pkg/intent"
	authweb "github.com/cozypi/cozy/web/auth"
	dataweb "github.com/cozypi/cozy/web/data"
	filesweb "github.com/cozypi/cozy/web/files"
	intentsweb "github.com/cozypi/cozy/web/intents"
	jobsweb "github.com/cozypi/cozy/web/jobs"
	notificationsweb "github.com/cozypi/cozy/web/notifications"
	permissionsweb "github.com/cozypi/cozy/web/permissions"
	realtimeweb "github.com/cozypi/cozy/web/realtime"
	registryweb "github.com/cozypi/cozy/web/registry"
	settingsweb "github.com/cozypi/cozy/web/settings"
	sharingsweb "github.com/cozypi/cozy/web/sharings"
	"github.com/gin-gonic/gin"
)

// registerBoxRoutes adds the household box's own routes (/box/: setup,
// HTTPS progress, the box CA), on every host, when the box is enabled.
func (s *Server) registerBoxRoutes(r gin.IRouter) {
	if s.setup != nil {
		s.setup.Register(r)
	}
}

// registerInstanceRoutes adds the API of an instance. Each area owns one
// line here: its handler struct gets what it needs from the Server (the
// instances and their stores, the permission middleware, the logger) and
// registers its own routes.
func (s *Server) registerInstanceRoutes(r *gin.RouterGroup) {
	// Areas register below, one line each, in path order.
	s.remote.Register(r)
	files := filesweb.New(s.Instances, s.Auth, s.Log)
	(&dataweb.Handler{Instances: s.Instances, Auth: s.Auth, Log: s.Log, BodyLimit: s.Config.BodyLimit, Relationships: files, Views: s.QueryServer}).Register(r)
	files.Register(r)
	login := authweb.New(s.Instances, s.Sessions, s.OAuth, s.Auth, s.Config.Subdomains, s.Log)
	login.Codes = s.Codes  // shared with the apps' sub-domains
	login.Landing = s.apps // the home app after login, or the installed apps
	login.Register(r)
	(&settingsweb.Handler{Instances: s.Instances, Sessions: s.Sessions, OAuth: s.OAuth, Auth: s.Auth, Login: login, Subdomains: s.Config.Subdomains, Log: s.Log}).Register(r)
	(&jobsweb.Handler{Jobs: s.Jobs, Apps: s.Apps, Auth: s.Auth, Log: s.Log}).Register(r)
	(&permissionsweb.Handler{Perms: s.Perms, Auth: s.Auth, Log: s.Log}).Register(r)
	(&realtimeweb.Handler{Hub: s.Realtime, Auth: s.Auth, Log: s.Log}).Register(r)
	s.apps.Register(r)
	(&intentsweb.Handler{Intents: &intent.Intents{Apps: s.Apps, Stores: s.Instances}, Auth: s.Auth, Log: s.Log}).Register(r)
	(&sharingsweb.Handler{Instances: s.Instances, Auth: s.Auth, Log: s.Log}).Register(r)
	(&registryweb.Handler{Apps: s.Apps, Auth: s.Auth, Sessions: s.Sessions, Log: s.Log}).Register(r)
	(&notificationsweb.Handler{Instances: s.Instances, Auth: s.Auth, Mail: s.Config.Mail, Log: s.Log}).Register(r)
}
