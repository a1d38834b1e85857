package extract

import (
	"fmt"
	"reflect"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// uuidExt is Arrow's canonical UUID extension type (arrow.uuid over FixedSizeBinary(16)),
// which DuckDB's Arrow scan reads as UUID. It is declared here rather than taken from
// arrow-go's extensions package, whose Parquet dependencies the module does not otherwise need.
type uuidExt struct {
	arrow.ExtensionBase
}

// uuidArray is an array of uuidExt.
type uuidArray struct {
	array.ExtensionArrayBase
}

// uuidType is the Arrow type of a re-keyed id column (rekey.ID): 16 fixed bytes per row.
var uuidType arrow.ExtensionType = &uuidExt{ExtensionBase: arrow.ExtensionBase{Storage: &arrow.FixedSizeBinaryType{ByteWidth: 16}}}

// ArrayType implements arrow.ExtensionType.
func (*uuidExt) ArrayType() reflect.Type { return reflect.TypeOf(uuidArray{}) }

// ExtensionName implements arrow.ExtensionType.
func (*uuidExt) ExtensionName() string { return "arrow.uuid" }

// Serialize implements arrow.ExtensionType; the type has no parameters.
func (*uuidExt) Serialize() string { return "" }

// Deserialize implements arrow.ExtensionType.
func (*uuidExt) Deserialize(storage arrow.DataType, _ string) (arrow.ExtensionType, error) {
	if !arrow.TypeEqual(storage, &arrow.FixedSizeBinaryType{ByteWidth: 16}) {
		return nil, fmt.Errorf("arrow.uuid: invalid storage type %s", storage)
	}
	return uuidType, nil
}

// ExtensionEquals implements arrow.ExtensionType.
func (e *uuidExt) ExtensionEquals(o arrow.ExtensionType) bool {
	return o.ExtensionName() == e.ExtensionName()
}

// String implements fmt.Stringer.
func (e *uuidExt) String() string { return "extension<arrow.uuid>" }

// uuidBuilder returns the fixed-size storage builder of a uuidType column's builder.
func uuidBuilder(b array.Builder) *array.FixedSizeBinaryBuilder {
	return b.(*array.ExtensionBuilder).Builder.(*array.FixedSizeBinaryBuilder)
}
