# Writes a C++ source holding the catalog JSON files as string constants.
# Invoked with -DOUT=<file> -DDIR=<catalog dir>.
set(content "// Generated from catalog/*.json by cmake/embed_catalog.cmake. Do not edit.\n")
string(APPEND content "#include <string_view>\nnamespace cfiam::catalog_data {\n")
foreach(name roles permission_groups rate_plans)
  file(READ ${DIR}/${name}.json json)
  string(APPEND content "extern const std::string_view k_${name} = R\"cfiamjson(${json})cfiamjson\";\n")
endforeach()
string(APPEND content "}  // namespace cfiam::catalog_data\n")
file(WRITE ${OUT} "${content}")
