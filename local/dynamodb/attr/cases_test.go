package attr_test

// The tables below are DynamoDB's behaviour as DynamoDB Local (the oracle)
// shows it; TestCanonicalNumber_dynamoDBLocal, TestDecodeValue_dynamoDBLocal
// and TestAddNumbers_dynamoDBLocal check them against it.

const (
	errPrecision = "DynamoDB only supports precision up to 38 digits"
	errOverflow  = "Number overflow. Attempting to store a number with magnitude larger than supported range"
	errUnderflow = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
	errBadNumber = "A value provided cannot be converted into a number"
)

// numberCase is a number text and DynamoDB's canonical text for it, or its
// error message.
type numberCase struct {
	in, want, err string
}

var numberCases = []numberCase{
	{in: "0", want: "0"},
	{in: "1", want: "1"},
	{in: "1.50", want: "1.5"},
	{in: "01", want: "1"},
	{in: "-0", want: "0"},
	{in: "-0.000", want: "0"},
	{in: "0.00", want: "0"},
	{in: "+0", want: "0"},
	{in: "1e3", want: "1000"},
	{in: "1E3", want: "1000"},
	{in: "1e+5", want: "100000"},
	{in: "1E05", want: "100000"},
	{in: "1E-0", want: "1"},
	{in: "1e0", want: "1"},
	{in: "1E-5", want: "0.00001"},
	{in: "0.0001", want: "0.0001"},
	{in: "-1.230E2", want: "-123"},
	{in: "+1", want: "1"},
	{in: "1.", want: "1"},
	{in: ".5", want: "0.5"},
	{in: "-.5", want: "-0.5"},
	{in: "1.E5", want: "100000"},
	{in: "10", want: "10"},
	{in: "100.00100", want: "100.001"},
	{in: "-42.4200", want: "-42.42"},
	{in: "0e999", want: "0"},
	{in: "0E-2147483647", want: "0"},
	{in: "00000000000000000000000000000000000000000000001", want: "1"},
	{in: "1.0000000000000000000000000000000000000000000", want: "1"},
	{in: "12345678901234567890123456789012345678", want: "12345678901234567890123456789012345678"},
	{in: "12345678901234567890123456789012345678000", want: "12345678901234567890123456789012345678000"},
	{in: "0.00012345678901234567890123456789012345678", want: "0.00012345678901234567890123456789012345678"},
	{in: "1.2345678901234567890123456789012345678", want: "1.2345678901234567890123456789012345678"},
	{in: "123456789012345678901234567890123456789", err: errPrecision},
	{in: "1000000000000000000000000000000000000001", err: errPrecision},
	{in: "1.23456789012345678901234567890123456789", err: errPrecision},
	{in: "1234567890123456789012345678901234567891E+200", err: errPrecision},
	{in: "1234567890123456789012345678901234567891E-300", err: errPrecision},
	{in: "1E+125", want: "1" + zeros(125)},
	{in: "-1E+125", want: "-1" + zeros(125)},
	{in: "10E124", want: "1" + zeros(125)},
	{in: "9.9999999999999999999999999999999999999E+125", want: "99999999999999999999999999999999999999" + zeros(88)},
	{in: "1E+126", err: errOverflow},
	{in: "10E125", err: errOverflow},
	{in: "-1E126", err: errOverflow},
	{in: "1e2147483647", err: errOverflow},
	{in: "1E-130", want: "0." + zeros(129) + "1"},
	{in: "-1E-130", want: "-0." + zeros(129) + "1"},
	{in: "0.1E-129", want: "0." + zeros(129) + "1"},
	{in: "1.5E-130", want: "0." + zeros(129) + "15"},
	{in: "1E-131", err: errUnderflow},
	{in: "0.1E-130", err: errUnderflow},
	{in: "0." + zeros(130) + "1", err: errUnderflow},
	{in: "١", want: "1"},     // Java accepts any Unicode decimal digit
	{in: "1١٢", want: "112"}, // Arabic-Indic digits
	{in: "１e２", want: "100"}, // fullwidth
	{in: "  1", err: errBadNumber},
	{in: "1 ", err: errBadNumber},
	{in: "", err: errBadNumber},
	{in: "-", err: errBadNumber},
	{in: ".", err: errBadNumber},
	{in: "e5", err: errBadNumber},
	{in: "1e", err: errBadNumber},
	{in: "1e+", err: errBadNumber},
	{in: "0e", err: errBadNumber},
	{in: "1e5.5", err: errBadNumber},
	{in: "1.2.3", err: errBadNumber},
	{in: "++1", err: errBadNumber},
	{in: "+-1", err: errBadNumber},
	{in: "1e+-1", err: errBadNumber},
	{in: "NaN", err: errBadNumber},
	{in: "Infinity", err: errBadNumber},
	{in: "-Infinity", err: errBadNumber},
	{in: "0x10", err: errBadNumber},
	{in: "1_0", err: errBadNumber},
	{in: "1,5", err: errBadNumber},
	{in: "−1", err: errBadNumber}, // U+2212 MINUS SIGN
	{in: "1e2147483648", err: errBadNumber},
	{in: "1e-2147483648", err: errBadNumber},
	{in: "1.5e-2147483647", err: errBadNumber},
	{in: "0e-999999999999", err: errBadNumber},
	{in: "1e100000000000", err: errBadNumber},
	{in: "1e00000000000000000005", want: "100000"},
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

// arithCase is a+b or a-b and DynamoDB's result (compared numerically:
// DynamoDB Local answers BigDecimal's own scale, such as "2.00") or error.
type arithCase struct {
	a, op, b  string
	want, err string
}

var arithCases = []arithCase{
	{a: "1", op: "+", b: "2", want: "3"},
	{a: "1.25", op: "+", b: "0.75", want: "2"},
	{a: "0.5", op: "-", b: "0.5", want: "0"},
	{a: "-1.5", op: "+", b: "1.5", want: "0"},
	{a: "100", op: "-", b: "0.5", want: "99.5"},
	{a: "0.1", op: "+", b: "0.2", want: "0.3"},
	{a: "1", op: "+", b: "1E-37", want: "1.0000000000000000000000000000000000001"},
	{a: "1", op: "+", b: "1E-38", err: errPrecision},
	{a: "1E+30", op: "+", b: "1E-30", err: errPrecision},
	{a: "1", op: "+", b: "1E-130", err: errPrecision},
	{a: "99999999999999999999999999999999999999", op: "+", b: "1", want: "100000000000000000000000000000000000000"},
	{a: "99999999999999999999999999999999999999", op: "+", b: "2", err: errPrecision},
	{a: "12345678901234567890123456789012345678", op: "+", b: "0.5", err: errPrecision},
	{a: "9.9999999999999999999999999999999999999E+125", op: "+", b: "1E+89", err: errPrecision},
	{a: "9.9999999999999999999999999999999999999E+125", op: "+", b: "1E+88", err: errOverflow},
	{a: "-9.9999999999999999999999999999999999999E+125", op: "-", b: "1E+88", err: errOverflow},
	{a: "9E+125", op: "+", b: "9E+125", err: errOverflow},
	{a: "-1", op: "-", b: "9.9999999999999999999999999999999999999E+125", err: errPrecision},
	{a: "1E-130", op: "-", b: "1E-130", want: "0"},
	{a: "1E-129", op: "-", b: "9E-130", want: "1E-130"},
	{a: "1.1E-129", op: "-", b: "1E-129", want: "1E-130"},
	{a: "1.5E-130", op: "-", b: "1.4E-130", err: errUnderflow},
	{a: "-7", op: "-", b: "-7", want: "0"},
	{a: "-7", op: "-", b: "3", want: "-10"},
	{a: "0", op: "-", b: "12.5", want: "-12.5"},
}

// valueCase is a wire attribute value and DynamoDB's answer to storing it:
// an error message, or (err "") acceptance. Cases where this package
// deliberately differs from DynamoDB Local (which is lenient where DynamoDB
// itself answers SerializationException, or fails internally) say so in
// localDiffers, and the oracle test skips them.
type valueCase struct {
	name         string
	in           string
	want         string // our encoding of the decoded value, when it differs from in
	err          string
	localDiffers string
}

const (
	errEmpty     = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	errMultiple  = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
	errNullFalse = "One or more parameter values were invalid: Null attribute value types must have the value of true"
)

var valueCases = []valueCase{
	{name: "S", in: `{"S":"x"}`},
	{name: "S empty", in: `{"S":""}`},
	{name: "S escapes", in: `{"S":"a\"b\\c\n\t\u0001\u00e9\ud83d\ude00/"}`, want: `{"S":"a\"b\\c\n\t\u0001é😀/"}`},
	{name: "S lone surrogate", in: `{"S":"\ud800"}`, want: "{\"S\":\"\uFFFD\"}", localDiffers: "DynamoDB Local keeps the lone surrogate"},
	{name: "N", in: `{"N":"1.50"}`, want: `{"N":"1.5"}`},
	{name: "N invalid", in: `{"N":"abc"}`, err: errBadNumber},
	{name: "N overflow", in: `{"N":"1E+126"}`, err: errOverflow},
	{name: "B", in: `{"B":"YQ=="}`},
	{name: "B empty", in: `{"B":""}`},
	{name: "B line break", in: `{"B":"YWJj\n"}`, want: `{"B":"YWJj"}`},
	{name: "BOOL true", in: `{"BOOL":true}`},
	{name: "BOOL false", in: `{"BOOL":false}`},
	{name: "NULL", in: `{"NULL":true}`},
	{name: "NULL false", in: `{"NULL":false}`, err: errNullFalse},
	{name: "M", in: `{"M":{"b":{"N":"2"},"a":{"S":"x"}}}`, want: `{"M":{"a":{"S":"x"},"b":{"N":"2"}}}`},
	{name: "M empty", in: `{"M":{}}`},
	{name: "L", in: `{"L":[{"S":"x"},{"N":"-0"},{"NULL":true},{"L":[]}]}`, want: `{"L":[{"S":"x"},{"N":"0"},{"NULL":true},{"L":[]}]}`},
	{name: "L empty", in: `{"L":[]}`},
	{name: "SS", in: `{"SS":["b","a"]}`},
	{name: "SS empty string", in: `{"SS":[""]}`},
	{name: "NS", in: `{"NS":["10","9","-1.0"]}`, want: `{"NS":["10","9","-1"]}`},
	{name: "BS", in: `{"BS":["Yg==","YQ=="]}`},
	{name: "BS empty binary", in: `{"BS":[""]}`},
	{name: "empty", in: `{}`, err: errEmpty},
	{name: "unknown member only", in: `{"X":"a"}`, err: errEmpty},
	{name: "lower-case type", in: `{"s":"a"}`, err: errEmpty},
	{name: "unknown member ignored", in: `{"S":"a","X":1}`, want: `{"S":"a"}`},
	{name: "null member ignored", in: `{"S":"a","N":null}`, want: `{"S":"a"}`},
	{name: "only null member", in: `{"S":null}`, err: errEmpty},
	{name: "null BOOL", in: `{"BOOL":null}`, err: errEmpty},
	{name: "null L", in: `{"L":null}`, err: errEmpty},
	{name: "null SS", in: `{"SS":null}`, err: errEmpty},
	{name: "null NULL", in: `{"NULL":null}`, err: errEmpty},
	{name: "two types", in: `{"S":"a","N":"1"}`, err: errMultiple},
	{name: "three types", in: `{"S":"a","N":"1","B":"YQ=="}`, err: errMultiple},
	{name: "NULL and BOOL", in: `{"NULL":true,"BOOL":false}`, err: errMultiple},
	{name: "repeated member: last wins", in: `{"S":"a","S":"b"}`, want: `{"S":"b"}`},
	{name: "content error before two types", in: `{"NULL":false,"S":"a"}`, err: errNullFalse},
	{name: "empty set before two types", in: `{"SS":[],"NS":[]}`, err: "One or more parameter values were invalid: An string set  may not be empty"},
	{name: "SS empty", in: `{"SS":[]}`, err: "One or more parameter values were invalid: An string set  may not be empty"},
	{name: "NS empty", in: `{"NS":[]}`, err: "One or more parameter values were invalid: An number set  may not be empty"},
	{name: "BS empty", in: `{"BS":[]}`, err: "One or more parameter values were invalid: Binary sets should not be empty"},
	{name: "SS duplicates", in: `{"SS":["b","a","c","a"]}`, err: "One or more parameter values were invalid: Input collection [b, a, c, a] contains duplicates"},
	{name: "SS duplicates quoted", in: `{"SS":["a\"b","a\"b"]}`, err: `One or more parameter values were invalid: Input collection [a"b, a"b] contains duplicates`},
	{name: "NS duplicates", in: `{"NS":["2","1","2"]}`, err: "Input collection contains duplicates"},
	{name: "NS numeric duplicates", in: `{"NS":["1","1.0"]}`, err: "Input collection contains duplicates"},
	{name: "NS duplicates before a bad number", in: `{"NS":["1","01","x"]}`, err: "Input collection contains duplicates"},
	{name: "NS bad number before duplicates", in: `{"NS":["x","1","1"]}`, err: errBadNumber},
	{name: "NS overflow", in: `{"NS":["1E+126"]}`, err: errOverflow},
	{name: "NS null member", in: `{"NS":["1",null]}`, err: errBadNumber},
	{name: "BS duplicates", in: `{"BS":["YQ==","Yg==","YQ=="]}`, err: "One or more parameter values were invalid: Input collection of type BS contains duplicates."},
	{name: "SS null member", in: `{"SS":["a",null]}`, err: "One or more parameter values were invalid: An string set may not have a null string as a member"},
	{name: "nested NULL false", in: `{"L":[{"NULL":false}]}`, err: errNullFalse},
	{name: "nested empty", in: `{"M":{"x":{}}}`, err: errEmpty},
	{name: "nested error before two types", in: `{"M":{"x":{}},"S":"a"}`, err: errEmpty},
	{name: "nested empty set", in: `{"L":[{"SS":[]}]}`, err: "One or more parameter values were invalid: An string set  may not be empty"},
	{name: "null in M", in: `{"M":{"x":null}}`, err: "The supplied Item contains a null AttributeValue: x is null"},
	{name: "null in L", in: `{"L":[null]}`, err: "The supplied Item contains a null AttributeValue"},
	{name: "31 levels", in: nested(31)},
	{name: "32 levels", in: nested(32), err: "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"},
	// Wrong JSON shapes: DynamoDB answers SerializationException; DynamoDB
	// Local coerces or fails internally. We answer a clear error.
	{name: "S number", in: `{"S":1}`, err: "Unexpected JSON value for the S member of an AttributeValue: got a number, want a string", localDiffers: "DynamoDB Local coerces to \"1\""},
	{name: "N number", in: `{"N":1.5}`, err: "Unexpected JSON value for the N member of an AttributeValue: got a number, want a string", localDiffers: "DynamoDB Local coerces"},
	{name: "BOOL string", in: `{"BOOL":"true"}`, err: "Unexpected JSON value for the BOOL member of an AttributeValue: got a string, want a boolean", localDiffers: "DynamoDB Local coerces"},
	{name: "NULL string", in: `{"NULL":"true"}`, err: "Unexpected JSON value for the NULL member of an AttributeValue: got a string, want true", localDiffers: "DynamoDB Local coerces"},
	{name: "SS number member", in: `{"SS":["a",1]}`, err: "Unexpected JSON value for the SS member of an AttributeValue: got a number, want an array of strings", localDiffers: "DynamoDB Local coerces"},
	{name: "S array", in: `{"S":["a"]}`, err: "Unexpected JSON value for the S member of an AttributeValue: got an array, want a string", localDiffers: "DynamoDB Local: InternalFailure"},
	{name: "M array", in: `{"M":[]}`, err: "Unexpected JSON value for the M member of an AttributeValue: got an array, want an object", localDiffers: "DynamoDB Local: InternalFailure"},
	{name: "L object", in: `{"L":{}}`, err: "Unexpected JSON value for the L member of an AttributeValue: got an object, want an array", localDiffers: "DynamoDB Local: InternalFailure"},
	{name: "SS string", in: `{"SS":"a"}`, err: "Unexpected JSON value for the SS member of an AttributeValue: got a string, want an array", localDiffers: "DynamoDB Local: InternalFailure"},
	{name: "B invalid base64", in: `{"B":"!!"}`, err: "Invalid Base64 in a binary value: illegal base64 data at input byte 0", localDiffers: "DynamoDB Local: InternalFailure"},
	{name: "B unpadded", in: `{"B":"YQ"}`, err: "Invalid Base64 in a binary value: illegal base64 data at input byte 0", localDiffers: "DynamoDB Local: InternalFailure"},
	{name: "B URL alphabet", in: `{"B":"-_8="}`, err: "Invalid Base64 in a binary value: illegal base64 data at input byte 0", localDiffers: "DynamoDB Local: InternalFailure"},
	{name: "BS null member", in: `{"BS":["YQ==",null]}`, err: "One or more parameter values were invalid: A binary set may not have a null binary as a member", localDiffers: "DynamoDB Local: InternalFailure"},
	{name: "value not an object", in: `"x"`, err: "Unexpected JSON value for an AttributeValue: got a string, want an object", localDiffers: "DynamoDB Local: InternalFailure"},
}

// nested returns a string value inside n nested lists and maps
// (alternating), so the string is at depth n+1.
func nested(n int) string {
	s := `{"S":"x"}`
	for i := range n {
		if i%2 == 0 {
			s = `{"L":[` + s + `]}`
		} else {
			s = `{"M":{"k":` + s + `}}`
		}
	}
	return s
}
