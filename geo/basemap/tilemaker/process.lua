-- Pantau Tambang base map: which OpenStreetMap features go into which layer of the tiles.
-- Layers and attributes follow geo/basemap/layers.py so that the maps draw these tiles the same
-- way as the demo base. Run by `pantau basemap build` (tilemaker, Debian package `tilemaker`).

node_keys = { "place" }

local placeRank = { city = 1, town = 2, village = 3 }
local roadClass = { motorway = "motorway", trunk = "trunk", primary = "primary",
                    secondary = "secondary", tertiary = "tertiary" }
-- Indonesia: 2 country, 4 province, 5 kabupaten/kota, 6 kecamatan.
local adminLevels = { [2] = true, [4] = true, [5] = true, [6] = true }

function init_function() end
function exit_function() end

function node_function(node)
  local rank = placeRank[node:Find("place")]
  if rank and node:Find("name") ~= "" then
    node:Layer("places", false)
    node:Attribute("name", node:Find("name"))
    node:AttributeNumeric("rank", rank)
  end
end

function relation_scan_function(relation)
  if relation:Find("type") == "boundary" and relation:Find("boundary") == "administrative" then
    relation:Accept()
  end
end

local function boundaryLevel(way)
  local level = 99
  while true do
    local rel = way:NextRelation()
    if not rel then break end
    level = math.min(level, tonumber(way:FindInRelation("admin_level")) or 99)
  end
  if way:Find("boundary") == "administrative" then
    level = math.min(level, tonumber(way:Find("admin_level")) or 99)
  end
  return level
end

function way_function(way)
  local highway = way:Find("highway")
  local waterway = way:Find("waterway")
  local natural = way:Find("natural")

  if roadClass[highway] then
    way:Layer("roads", false)
    way:Attribute("class", roadClass[highway])
    way:Attribute("name", way:Find("name"))
  end
  if waterway == "river" or waterway == "canal" then
    way:Layer("rivers", false)
    way:Attribute("name", way:Find("name"))
  end
  if way:IsClosed() and (natural == "water" or waterway == "riverbank"
      or way:Find("landuse") == "reservoir") then
    way:Layer("water", true)
  end
  if natural == "coastline" then
    way:Layer("coastline", false)
  end
  local level = boundaryLevel(way)
  if adminLevels[level] and way:Find("maritime") ~= "yes" then
    way:Layer("boundaries", false)
    way:AttributeNumeric("admin_level", level)
  end
end
