package dotdigital

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// How fast the emulator takes in large imports: it should never be what a client benchmark measures.
//
//	go test -run '^$' -bench . ./internal/emulator/dotdigital/
func BenchmarkImportProcessing(b *testing.B) {
	for _, kind := range []string{"contacts", "insight"} {
		b.Run(kind, func(b *testing.B) {
			srv, _ := New(Config{})
			hs := httptest.NewServer(srv.Handler())
			defer func() { hs.Close(); srv.Close() }()
			const n = 40000
			var body bytes.Buffer
			path := "/contacts/v3/import"
			if kind == "contacts" {
				body.WriteString(`{"mergeOption":"overwrite","contacts":[`)
				for i := range n {
					if i > 0 {
						body.WriteByte(',')
					}
					fmt.Fprintf(&body, `{"matchIdentifier":"email","identifiers":{"email":"customer.%06d@example.com"},"dataFields":{"FIRSTNAME":"Customer","LASTNAME":"%d"},"channelProperties":{"email":{"status":"subscribed","emailType":"html","optInType":"single"}},"consentRecords":[{"text":"Yes","dateTimeConsented":"2026-01-05T09:00:00Z","url":"https://shop.example.com/","ipAddress":"203.0.113.9","userAgent":"Mozilla/5.0"}]}`, i, i)
				}
			} else {
				path = "/insightData/v3/import"
				body.WriteString(`{"collectionName":"Catalog_Default","collectionScope":"account","collectionType":"catalog","records":[`)
				for i := range n {
					if i > 0 {
						body.WriteByte(',')
					}
					fmt.Fprintf(&body, `{"key":"%d","json":{"id":"%d","name":"Merino wool beanie","sku":"BEANIE-%d","price":24.5,"categories":["Accessories","Hats"],"stock":{"qty":3,"backorder":false},"variants":[{"sku":"A","price":1.5,"options":["S","M"]},{"sku":"B","price":2.5,"options":["L"]}],"description":"A warm, soft beanie knitted from merino wool in the north of England; hand wash only; one size fits most.","url":"https://shop.example.com/p/%d","imagePath":"https://cdn.example.com/i/%d.jpg"}}`, i, i, i, i, i)
				}
			}
			body.WriteString("]}")
			b.SetBytes(int64(body.Len()))
			b.ResetTimer()
			for range b.N {
				req, _ := http.NewRequest("PUT", hs.URL+path, bytes.NewReader(body.Bytes()))
				req.SetBasicAuth(DefaultUsername, DefaultPassword)
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != 202 {
					b.Fatal(resp, err)
				}
				resp.Body.Close()
				srv.jobs.Wait()
			}
		})
	}
}
