package dynamo

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// backfillAPI plays AWS adding an index: every table but Orders is created
// ACTIVE; Orders exists without "pending"; after UpdateTable, DescribeTable
// first does not list the new index (eventual consistency), then lists it
// CREATING and backfilling for a few polls, then ACTIVE.
type backfillAPI struct {
	API
	mu        sync.Mutex
	orders    string
	updates   []*dynamodb.UpdateTableInput
	updateErr error // answered to UpdateTable (the index is added anyway: someone else's)
	// phases are what DescribeTable of Orders answers after UpdateTable,
	// one poll each (the last repeats).
	phases    []types.IndexStatus // "" = not listed yet
	updated   bool                // UpdateTable was called
	polls     int
	describes int
}

func (f *backfillAPI) CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error) {
	d := &types.TableDescription{TableName: in.TableName, TableStatus: types.TableStatusActive, KeySchema: in.KeySchema}
	for _, g := range in.GlobalSecondaryIndexes {
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, types.GlobalSecondaryIndexDescription{IndexName: g.IndexName, KeySchema: g.KeySchema, IndexStatus: types.IndexStatusActive})
	}
	return &dynamodb.CreateTableOutput{TableDescription: d}, nil
}

func (f *backfillAPI) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.describes++
	if aws.ToString(in.TableName) != f.orders {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Requested resource not found")}
	}
	var def *dynamodb.CreateTableInput
	for _, d := range tableDefinitions(TableNames("aws-")) {
		if aws.ToString(d.TableName) == f.orders {
			def = d
		}
	}
	d := &types.TableDescription{TableName: in.TableName, TableStatus: types.TableStatusActive, KeySchema: def.KeySchema}
	byCustomer := types.GlobalSecondaryIndexDescription{IndexName: aws.String(IndexByCustomer), KeySchema: def.GlobalSecondaryIndexes[0].KeySchema, IndexStatus: types.IndexStatusActive}
	d.GlobalSecondaryIndexes = []types.GlobalSecondaryIndexDescription{byCustomer}
	if f.updated {
		st := f.phases[min(f.polls, len(f.phases)-1)]
		f.polls++
		if st != "" {
			d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, types.GlobalSecondaryIndexDescription{
				IndexName: aws.String(IndexPending), KeySchema: def.GlobalSecondaryIndexes[1].KeySchema,
				IndexStatus: st, Backfilling: aws.Bool(st == types.IndexStatusCreating),
			})
		}
	}
	return &dynamodb.DescribeTableOutput{Table: d}, nil
}

func (f *backfillAPI) UpdateTable(ctx context.Context, in *dynamodb.UpdateTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateTableOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updated = true
	if f.updateErr != nil {
		return nil, f.updateErr
	}
	f.updates = append(f.updates, in)
	return &dynamodb.UpdateTableOutput{}, nil
}

func TestCreateTables_waitsForTheBackfill(t *testing.T) {
	t.Parallel()
	tables := TableNames("aws-")
	f := &backfillAPI{orders: tables.Orders, phases: []types.IndexStatus{"", types.IndexStatusCreating, types.IndexStatusCreating, types.IndexStatusActive}}
	created, added, err := CreateTables(context.Background(), f, tables)
	if err != nil {
		t.Fatalf("CreateTables: %v", err)
	}
	if len(created) != 6 || slices.Contains(created, tables.Orders) {
		t.Errorf("created %v; want the six tables but Orders", created)
	}
	if want := []AddedIndex{{Table: tables.Orders, Index: IndexPending}}; !slices.Equal(added, want) {
		t.Errorf("added %v; want %v", added, want)
	}
	if len(f.updates) != 1 {
		t.Fatalf("%d UpdateTable calls; want 1", len(f.updates))
	}
	in := f.updates[0]
	var defs []string
	for _, d := range in.AttributeDefinitions {
		defs = append(defs, aws.ToString(d.AttributeName)+" "+string(d.AttributeType))
	}
	u := in.GlobalSecondaryIndexUpdates
	if aws.ToString(in.TableName) != tables.Orders || !slices.Equal(defs, []string{"pendingShard S", "createdAt S"}) || len(u) != 1 ||
		u[0].Create == nil || u[0].Delete != nil || u[0].Update != nil || aws.ToString(u[0].Create.IndexName) != IndexPending ||
		u[0].Create.Projection.ProjectionType != types.ProjectionTypeInclude || len(u[0].Create.KeySchema) != 2 {
		t.Errorf("UpdateTable %s with definitions %v and %+v; want one Create of pending with the definitions of its keys", aws.ToString(in.TableName), defs, u)
	}
	// All polls after UpdateTable up to ACTIVE, then none.
	if f.polls != 4 {
		t.Errorf("DescribeTable of Orders after UpdateTable %d times; want 4 (not listed, CREATING twice, ACTIVE)", f.polls)
	}
}

func TestCreateTables_waitsForSomeoneElsesIndex(t *testing.T) {
	t.Parallel()
	tables := TableNames("aws-")
	f := &backfillAPI{orders: tables.Orders, phases: []types.IndexStatus{types.IndexStatusCreating, types.IndexStatusActive},
		updateErr: &types.LimitExceededException{Message: aws.String("Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table")}}
	_, added, err := CreateTables(context.Background(), f, tables)
	if err != nil || len(added) != 0 {
		t.Errorf("CreateTables while another process adds pending = %v, %v; want no error, nothing added by this one", added, err)
	}
	if f.polls != 2 {
		t.Errorf("DescribeTable of Orders after UpdateTable %d times; want 2 (the check finds it CREATING, then ACTIVE)", f.polls)
	}
	// An UpdateTable failure with the index nowhere is reported.
	f = &backfillAPI{orders: tables.Orders, phases: []types.IndexStatus{""},
		updateErr: &types.ResourceInUseException{Message: aws.String("table is being updated")}}
	_, _, err = CreateTables(context.Background(), f, tables)
	var inUse *types.ResourceInUseException
	if !errors.As(err, &inUse) {
		t.Errorf("CreateTables when UpdateTable fails: %v; want the ResourceInUseException", err)
	}
}

func TestWaitActive_timesOutWhileCreating(t *testing.T) {
	t.Parallel()
	tables := TableNames("aws-")
	f := &backfillAPI{orders: tables.Orders, phases: []types.IndexStatus{types.IndexStatusCreating}, updateErr: errors.New("unused")}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := &types.TableDescription{TableName: aws.String(tables.Orders), TableStatus: types.TableStatusActive,
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndexDescription{{IndexName: aws.String(IndexPending), IndexStatus: types.IndexStatusCreating, Backfilling: aws.Bool(true)}}}
	_, err := waitActive(ctx, f, tables.Orders, d, IndexPending)
	if !errors.Is(err, context.Canceled) || err.Error() != "index pending of table aws-Orders is still CREATING (backfilling): context canceled" {
		t.Errorf("waitActive cancelled while backfilling: %v", err)
	}
}
