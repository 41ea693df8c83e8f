#pragma once
/// @file
/// The error hierarchy. Every error the library raises on bad input derives from causalrec::error,
/// and its message names the file, row, column or shape at fault.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

namespace causalrec {

/// Base of every error the library raises; catch this to handle any causalrec failure.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Malformed text input (CSV, logs). Carries the file, the 1-based line and the 1-based column
/// (0 when not applicable) and the column's name when known.
class parse_error : public error {
public:
    /// Builds the error; what() reads "file:line:column (name): message".
    parse_error(std::string file, std::size_t line, std::size_t column, std::string message,
                std::string column_name = {})
        : error(compose(file, line, column, column_name, message)),
          file_(std::move(file)),
          line_(line),
          column_(column),
          column_name_(std::move(column_name)),
          reason_(std::move(message)) {}

    /// The file being read (or a label such as "<memory>").
    const std::string& file() const noexcept { return file_; }
    /// 1-based physical line in the file; 0 when unknown.
    std::size_t line() const noexcept { return line_; }
    /// 1-based column (field index); 0 when the error concerns the whole line or file.
    std::size_t column() const noexcept { return column_; }
    /// Name of the column from the header, when known.
    const std::string& column_name() const noexcept { return column_name_; }
    /// The message without the location prefix.
    const std::string& reason() const noexcept { return reason_; }

private:
    static std::string compose(const std::string& file, std::size_t line, std::size_t column,
                               const std::string& name, const std::string& message) {
        // Built with append() only: g++ 12 gives a false -Wrestrict on "literal" + std::string.
        std::string s = file.empty() ? std::string("<input>") : file;
        if (line > 0) s.append(":").append(std::to_string(line));
        if (column > 0) s.append(":").append(std::to_string(column));
        if (!name.empty()) s.append(" (column '").append(name).append("')");
        s.append(": ").append(message);
        return s;
    }

    std::string file_;
    std::size_t line_;
    std::size_t column_;
    std::string column_name_;
    std::string reason_;
};

/// Tensor shapes that do not fit together (rows of X vs labels, feature counts, ...).
class shape_error : public error {
public:
    using error::error;
};

/// A fitted component (preprocessor, model) used before fit() was called.
class not_fitted_error : public error {
public:
    using error::error;
};

/// A serialized file or state that is truncated, corrupt or from another architecture.
class format_error : public error {
public:
    using error::error;
};

/// A numeric failure: NaN or infinity where a finite value is required.
class numeric_error : public error {
public:
    using error::error;
};

/// An option or argument outside its valid range (a fraction above 1, zero folds, ...).
class argument_error : public error {
public:
    using error::error;
};

}  // namespace causalrec
