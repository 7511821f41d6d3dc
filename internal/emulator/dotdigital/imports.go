package dotdigital

import (
	"net/http"
	"time"
)

// Imports are asynchronous, as in Dotdigital: the request is checked and accepted with an id (202), the
// records are applied in the background, and the import reaches its final status ImportDelay after it
// was accepted (or when applying ends, if that takes longer). Until then it counts against the account's
// active-import limit.

// startJob registers an accepted import, or reports false when the account already has as many active
// imports of this kind as it may.
func (s *Server) startJob(kind importKind, notStarted string, bytes int64, records int, collection string) (*importJob, bool) {
	limit := s.cfg.MaxContactImports
	if kind == kindInsight {
		limit = s.cfg.MaxInsightImports
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if s.st.activeImports[kind] >= limit {
		return nil, false
	}
	now := clock()
	job := &importJob{id: s.st.newID(), kind: kind, accepted: now, readyAt: now.Add(s.cfg.ImportDelay), status: notStarted,
		bytes: bytes, records: records, collection: collection}
	if s.cfg.ImportFailures > 0 {
		job.fail = s.st.failRng.Float64() < s.cfg.ImportFailures
	}
	s.st.imports[job.id] = job
	s.st.activeImports[kind]++
	return job, true
}

// runJob applies an import in the background and publishes its final status when it is due.
// keys lists the import's record keys for Config.OnImportDone.
func (s *Server) runJob(job *importJob, inProgress string, keys func() []string, apply func() (status string, result []byte)) {
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		var done []string // read before applying, which may release the records
		if s.cfg.OnImportDone != nil {
			done = keys()
		}
		s.st.mu.Lock()
		job.status = inProgress
		s.st.mu.Unlock()
		var status string
		var result []byte
		if job.fail {
			status = "Failed"
			if job.kind == kindContacts {
				status = "RejectedByWatchdog"
			}
			result = compactJSON(map[string]string{"importId": job.id, "status": status})
		} else {
			status, result = apply()
		}
		if wait := time.Until(job.readyAt); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-s.done():
			}
			t.Stop()
		}
		s.st.mu.Lock()
		job.status, job.result, job.done = status, result, true
		s.st.activeImports[job.kind]--
		s.st.mu.Unlock()
		if s.cfg.OnImportDone != nil {
			s.cfg.OnImportDone(ImportDone{ID: job.id, Kind: job.kind.String(), Collection: job.collection, Keys: done, Failed: job.fail, At: clock()})
		}
	}()
}

// importStatus answers GET /contacts/v3/import/{importId} and GET /insightData/v3/import/{importId}.
func (s *Server) importStatus(kind importKind) http.HandlerFunc {
	service := "contacts"
	if kind == kindInsight {
		service = "insightData"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("importId")
		s.st.mu.Lock()
		job := s.st.imports[id]
		var status string
		var result []byte
		done := false
		if job != nil && job.kind == kind {
			status, result, done = job.status, job.result, job.done
		}
		s.st.mu.Unlock()
		switch {
		case job == nil || job.kind != kind:
			writeV3Error(w, http.StatusNotFound, service+":importNotFound", "The import request '"+id+"' could not be found!")
		case done:
			writeRawJSON(w, http.StatusOK, result)
		default:
			writeJSON(w, http.StatusOK, map[string]string{"importId": id, "status": status})
		}
	}
}

// applyChunk is how many records an import applies per hold of the account lock, so that polls and other
// calls are served while a large import is applied.
const applyChunk = 2000
