package azurite

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
)

// credential signs with the development account's published key.
func credential() *azblob.SharedKeyCredential {
	cred, err := azblob.NewSharedKeyCredential(AccountName, AccountKey)
	if err != nil {
		panic(fmt.Sprintf("the published Azurite key does not parse: %v", err)) // a constant: cannot happen
	}
	return cred
}

// AccountSAS is an account SAS as `az aks kollect` makes one (services b,
// resource types sco, rwdlacup), valid from an hour before now until
// expiry; with an expiry in the past it is an expired token. No leading "?".
func AccountSAS(expiry time.Time) (string, error) {
	perms := sas.AccountPermissions{Read: true, Write: true, Delete: true, List: true, Add: true, Create: true, Update: true, Process: true}
	types := sas.AccountResourceTypes{Service: true, Container: true, Object: true}
	qp, err := sas.AccountSignatureValues{
		Protocol:      sas.ProtocolHTTPSandHTTP,
		StartTime:     time.Now().Add(-2 * time.Hour).UTC(),
		ExpiryTime:    expiry.UTC(),
		Permissions:   perms.String(),
		ResourceTypes: types.String(),
	}.SignWithSharedKey(credential())
	if err != nil {
		return "", fmt.Errorf("sign account SAS: %w", err)
	}
	return qp.Encode(), nil
}

// ContainerSAS is a SAS for one container (read, add, create, write, list)
// until expiry. No leading "?".
func ContainerSAS(container string, expiry time.Time) (string, error) {
	perms := sas.ContainerPermissions{Read: true, Add: true, Create: true, Write: true, List: true}
	qp, err := sas.BlobSignatureValues{
		Protocol:      sas.ProtocolHTTPSandHTTP,
		StartTime:     time.Now().Add(-2 * time.Hour).UTC(),
		ExpiryTime:    expiry.UTC(),
		ContainerName: container,
		Permissions:   perms.String(),
	}.SignWithSharedKey(credential())
	if err != nil {
		return "", fmt.Errorf("sign container SAS: %w", err)
	}
	return qp.Encode(), nil
}

// Client is a shared-key client of this server, for checking what arrived.
func (s *Server) Client() (*azblob.Client, error) {
	return azblob.NewClientWithSharedKeyCredential(s.BlobURL+"/", credential(), nil)
}

// CreateContainer creates a container with the account key.
func (s *Server) CreateContainer(ctx context.Context, name string) error {
	c, err := s.Client()
	if err != nil {
		return err
	}
	if _, err := c.CreateContainer(ctx, name, nil); err != nil {
		return fmt.Errorf("create container %s: %w", name, err)
	}
	return nil
}

// Blob is one stored blob.
type Blob struct {
	Content      []byte
	LastModified time.Time
	// ETag changes with every write of the blob, even one of the same
	// content within the same second: it tells an upload from none.
	ETag string
}

// Blobs reads every blob of a container, by name.
func (s *Server) Blobs(ctx context.Context, container string) (map[string]Blob, error) {
	c, err := s.Client()
	if err != nil {
		return nil, err
	}
	blobs := map[string]Blob{}
	pager := c.NewListBlobsFlatPager(container, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", container, err)
		}
		for _, item := range page.Segment.BlobItems {
			resp, err := c.DownloadStream(ctx, container, *item.Name, nil)
			if err != nil {
				return nil, fmt.Errorf("download %s: %w", *item.Name, err)
			}
			data, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return nil, fmt.Errorf("download %s: %w", *item.Name, err)
			}
			b := Blob{Content: data, LastModified: *item.Properties.LastModified}
			if item.Properties.ETag != nil {
				b.ETag = string(*item.Properties.ETag)
			}
			blobs[*item.Name] = b
		}
	}
	return blobs, nil
}
