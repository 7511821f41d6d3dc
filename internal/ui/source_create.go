package ui

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// sourceForm is the add-a-source form: the fields a kind of source needs, from which its URL is
// built, or the URL itself. The password is never written back into the page.
type sourceForm struct {
	Name   string
	Engine string // postgres, mysql, sqlite, csv, or url: the URL as typed
	// PostgreSQL and MySQL/MariaDB.
	Host, Port, Database, User, Options string
	// SQLite: the file's path. CSV: a path or an https:// URL, and how to read it ("" detects).
	Path, File, Delimiter, Encoding string
	URL                             string
}

func sourceFormOf(r *http.Request) sourceForm {
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	return sourceForm{Name: v("name"), Engine: v("engine"), Host: v("host"), Port: v("port"), Database: v("database"), User: v("user"),
		Options: strings.TrimPrefix(v("options"), "?"), Path: v("path"), File: v("file"), Delimiter: v("delimiter"), Encoding: v("encoding"),
		URL: v("url")}
}

// url builds the source's URL from the form's fields, the way docs/warehouse.md writes them.
func (f sourceForm) url(password string) (string, error) {
	switch f.Engine {
	case "postgres", "mysql":
		if f.Host == "" {
			return "", &resource.Problem{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "host", Message: "Give the database server's host name or address."}
		}
		if f.User == "" {
			return "", &resource.Problem{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "user", Message: "Give the user bcsync reads as."}
		}
		u := url.URL{Scheme: f.Engine, Host: f.Host, Path: "/" + f.Database, RawQuery: f.Options}
		if f.Port != "" {
			u.Host = net.JoinHostPort(f.Host, f.Port)
		}
		u.User = url.User(f.User)
		if password != "" {
			u.User = url.UserPassword(f.User, password)
		}
		return u.String(), nil
	case "sqlite":
		if f.Path == "" {
			return "", &resource.Problem{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "path", Message: "Give the path of the SQLite file."}
		}
		return "sqlite:" + f.Path, nil
	case "csv":
		if f.File == "" {
			return "", &resource.Problem{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "file", Message: "Give the CSV file's path, or its https:// address."}
		}
		var params []string
		if f.Delimiter != "" {
			params = append(params, "delimiter="+url.QueryEscape(f.Delimiter))
		}
		if f.Encoding != "" {
			params = append(params, "encoding="+url.QueryEscape(f.Encoding))
		}
		if strings.HasPrefix(strings.ToLower(f.File), "https://") || strings.HasPrefix(strings.ToLower(f.File), "http://") {
			// A link's own query goes to its server (a signed link must not change): bcsync's
			// parameters go in the fragment, which never leaves bcsync.
			if len(params) == 0 {
				return f.File, nil
			}
			sep := "#"
			if strings.Contains(f.File, "#") {
				sep = "&"
			}
			return f.File + sep + strings.Join(params, "&"), nil
		}
		path := f.File
		if !strings.HasSuffix(strings.ToLower(path), ".csv") {
			path = "csv:" + path // a file named otherwise is still read as CSV
		}
		if len(params) > 0 {
			path += "?" + strings.Join(params, "&")
		}
		return path, nil
	case "url":
		return f.URL, nil
	}
	return "", &resource.Problem{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "engine", Message: "Choose the kind of source."}
}

// clipped is the form cut to what its fields take, to show it again after a refusal.
func (f sourceForm) clipped() sourceForm {
	for _, s := range []*string{&f.Host, &f.Port, &f.Database, &f.User, &f.Options, &f.Path, &f.File, &f.Delimiter, &f.Encoding} {
		*s = clip("field", *s)
	}
	f.Name, f.URL = clip("name", f.Name), clip("url", f.URL)
	return f
}

// fieldsOf names the form's fields a failed test points at, by the part that failed: the first is
// the one the message stands beside.
func (f sourceForm) fieldsOf(part string) []string {
	if f.Engine == "url" {
		return []string{"url"}
	}
	switch source.Part(part) {
	case source.PartHost:
		return []string{"host", "port"}
	case source.PartAuth:
		return []string{"password", "user"}
	case source.PartDatabase:
		return []string{"database"}
	case source.PartPermission:
		return []string{"user"}
	case source.PartFile, source.PartFormat:
		if f.Engine == "sqlite" {
			return []string{"path"}
		}
		return []string{"file"}
	case source.PartURL:
		if f.Engine == "csv" {
			return []string{"file", "delimiter", "encoding"}
		}
		if f.Engine == "sqlite" {
			return []string{"path"}
		}
		return []string{"options", "host"}
	}
	return nil
}

// sourceCreate tests the source the form describes and saves it when bcsync can read it; otherwise
// the form comes back with what is wrong beside the field to fix.
func (h *Handler) sourceCreate(w http.ResponseWriter, r *http.Request) {
	f := sourceFormOf(r)
	v := sourcesView{Form: f}
	raw, err := f.url(r.PostFormValue("password"))
	if err == nil {
		err = resource.CheckLengths(resource.Text{Field: "name", Value: f.Name}, resource.Text{Field: "url", Value: raw})
	}
	if err == nil {
		src, res, aerr := h.svc.Warehouse.AddTestedSource(r.Context(), f.Name, raw)
		switch {
		case aerr != nil:
			err = aerr
		case !res.OK:
			v.Failed = &res
			h.showSources(w, r, http.StatusUnprocessableEntity, v)
			return
		default:
			h.redirectWith(w, r, "/warehouse/sources", "ok", fmt.Sprintf("Added %s: bcsync can read it. Write a model of it next.", src.Name))
			return
		}
	}
	v.Problem = resource.ProblemOf(err)
	if v.Problem.Status >= 500 {
		h.log.Error("adding a source failed", slog.Any("error", err))
	}
	if v.Problem.Field == "url" && f.Engine != "url" {
		v.Problem.Field = f.fieldsOf(string(source.PartURL))[0]
	}
	if v.Problem.Code == "too_long" {
		v.Form = f.clipped()
	}
	h.showSources(w, r, v.Problem.Status, v)
}
